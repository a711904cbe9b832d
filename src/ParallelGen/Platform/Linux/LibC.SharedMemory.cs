using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform.Linux;

/// <summary>POSIX shared memory and process-shared pthread primitives (glibc 2.34+: all in libc).</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;

    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x1;

    public const int ETIMEDOUT = 110;
    public const int EOWNERDEAD = 130;
    public const int ENOTRECOVERABLE = 131;
    public const int ESRCH = 3;
    public const int EPERM = 1;

    public const int CLOCK_MONOTONIC = 1;
    public const int PTHREAD_PROCESS_SHARED = 1;
    public const int PTHREAD_MUTEX_ROBUST = 1;
    public const int PTHREAD_MUTEX_RECURSIVE = 1;

    /// <summary>Room reserved for a <c>pthread_mutex_t</c> or <c>pthread_cond_t</c> (40 and 48 bytes on x86-64 glibc, 48 on arm64).</summary>
    public const int SyncObjectSize = 64;

    /// <summary>Room reserved for a <c>pthread_mutexattr_t</c> or <c>pthread_condattr_t</c> (4 bytes on x86-64 glibc, 8 on arm64).</summary>
    public const int AttributeObjectSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int shm_open(string name, int flags, int mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int shm_unlink(string name);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    public const int SEEK_END = 2;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int munmap(void* address, nuint length);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int clock_gettime(int clock, TimeSpec* time);

    [LibraryImport(Lib)]
    public static partial int pthread_mutexattr_init(void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_mutexattr_setpshared(void* attributes, int shared);

    [LibraryImport(Lib)]
    public static partial int pthread_mutexattr_setrobust(void* attributes, int robust);

    [LibraryImport(Lib)]
    public static partial int pthread_mutexattr_settype(void* attributes, int type);

    [LibraryImport(Lib)]
    public static partial int pthread_mutexattr_destroy(void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_mutex_init(void* mutex, void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_mutex_clocklock(void* mutex, int clock, TimeSpec* deadline);

    [LibraryImport(Lib)]
    public static partial int pthread_mutex_lock(void* mutex);

    [LibraryImport(Lib)]
    public static partial int pthread_mutex_unlock(void* mutex);

    [LibraryImport(Lib)]
    public static partial int pthread_mutex_consistent(void* mutex);

    [LibraryImport(Lib)]
    public static partial int pthread_condattr_init(void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_condattr_setpshared(void* attributes, int shared);

    [LibraryImport(Lib)]
    public static partial int pthread_condattr_destroy(void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_cond_init(void* condition, void* attributes);

    [LibraryImport(Lib)]
    public static partial int pthread_cond_clockwait(void* condition, void* mutex, int clock, TimeSpec* deadline);

    [LibraryImport(Lib)]
    public static partial int pthread_cond_wait(void* condition, void* mutex);

    [LibraryImport(Lib)]
    public static partial int pthread_cond_broadcast(void* condition);

    [LibraryImport(Lib)]
    public static partial int pthread_cond_signal(void* condition);
}
