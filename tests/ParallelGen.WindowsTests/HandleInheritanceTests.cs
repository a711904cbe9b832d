using System.IO.Pipes;

namespace ParallelGen.WindowsTests;

/// <summary>A worker inherits its own pipe handles and nothing else, even handles the parent made inheritable.</summary>
public sealed class HandleInheritanceTests
{
    [Fact]
    public Task On_Windows_an_inheritable_handle_of_the_parent_does_not_reach_a_worker() => Deadline.Run(() =>
    {
        Assert.SkipUnless(OperatingSystem.IsWindows(), "Windows handle inheritance; on Linux every pipe is close-on-exec.");
        using AnonymousPipeServerStream inheritable = new(PipeDirection.Out, HandleInheritability.Inheritable);
        // The client end is the one .NET makes inheritable (for a child to use); the server end is not.
        long handle = inheritable.ClientSafePipeHandle.DangerousGetHandle();
        Assert.True(Win32.IsOpenHandle((nint)handle));

        // Started after the handle exists, so CreateProcess with bInheritHandles would pass it on without a handle list.
        using TestPool test = new(processes: 1);
        Assert.False(test.Pool.Apply(Work.HandleIsOpen, handle), $"handle {handle} of the parent is open in the worker");
    });
}
