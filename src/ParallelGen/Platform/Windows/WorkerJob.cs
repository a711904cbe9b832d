using System.Runtime.Versioning;

namespace ParallelGen.Platform.Windows;

/// <summary>
/// The job object every child process of this process is put in, with <c>JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE</c>: its
/// only handle is this process's, which Windows closes however the process ends (exit, crash, <c>TerminateProcess</c>,
/// Task Manager), and closing it kills every process in the job. So no worker outlives its parent; the control pipe's
/// end of file, which a worker watches, is the second line.
/// </summary>
/// <remarks>
/// <c>JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION</c> keeps a crashing worker from waiting in an error-reporting
/// dialog: it dies, and the pool reports its NTSTATUS. Processes a task starts join the job too (so they die with the
/// pool's owner as well). If no job can be made (a parent job that forbids nesting, before Windows 8), workers start
/// without one and the control pipe alone ends them when the parent goes.
/// </remarks>
[SupportedOSPlatform("windows")]
internal static unsafe class WorkerJob
{
    private static readonly Lazy<nint> s_job = new(Create);

    /// <summary>Gets the job's handle, or 0 if none could be made.</summary>
    public static nint Handle => s_job.Value;

    /// <summary>Puts a process (created suspended, before it ran any code) in the job.</summary>
    /// <returns>Whether it is in the job now.</returns>
    public static bool TryAssign(nint process) => Handle != 0 && Kernel32.AssignProcessToJobObject(Handle, process);

    /// <summary>Gets whether <paramref name="process"/> is in this process's worker job. Tests only.</summary>
    public static bool Contains(nint process) => Handle != 0 && Kernel32.IsProcessInJob(process, Handle, out bool result) && result;

    private static nint Create()
    {
        nint job = Kernel32.CreateJobObject(null, null);
        if (job == 0)
        {
            return 0;
        }

        Kernel32.JobObjectExtendedLimitInformationData limits = default;
        limits.BasicLimitInformation.LimitFlags = Kernel32.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | Kernel32.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
        if (!Kernel32.SetInformationJobObject(job, Kernel32.JobObjectExtendedLimitInformation, &limits, sizeof(Kernel32.JobObjectExtendedLimitInformationData)))
        {
            Kernel32.CloseHandle(job);
            return 0;
        }

        // Never closed: the handle lives exactly as long as this process, which is the point.
        return job;
    }
}
