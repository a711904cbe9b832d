using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ParallelGen.Platform;

/// <summary>Which operating systems ParallelGen runs on, and the one error it gives on the others.</summary>
/// <remarks>
/// Every member of the platform layer that needs the operating system checks <see cref="IsLinux"/> or
/// <see cref="IsWindows"/> and otherwise throws <see cref="NotSupported"/>; the code that calls <c>Linux/</c> or
/// <c>Windows/</c> directly is marked <see cref="SupportedOSPlatformAttribute"/>, so the platform analyzer (CA1416) flags
/// any call from outside such a check.
/// </remarks>
internal static class PlatformSupport
{
    /// <summary>Gets whether this is Linux, where every feature is implemented and tested (x64; arm64 shares the ABI).</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Gets whether this is Windows (x64; CI tests it under Wine on Linux).</summary>
    [SupportedOSPlatformGuard("windows")]
    public static bool IsWindows => OperatingSystem.IsWindows();

    /// <summary>Gets whether ParallelGen runs worker processes on this system.</summary>
    public static bool IsSupported => IsLinux || IsWindows;

    /// <summary>Gets a description of this system for messages, such as <c>Linux X64</c>.</summary>
    public static string Description => $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})";

    /// <summary>The error for a system ParallelGen does not run on.</summary>
    public static PlatformNotSupportedException NotSupported() =>
        new($"ParallelGen runs worker processes on Linux (glibc 2.34 or later, x64 or arm64) and Windows (x64); this is {Description}.");

    /// <summary>Throws <see cref="NotSupported"/> unless the system is supported.</summary>
    /// <exception cref="PlatformNotSupportedException">It is not.</exception>
    public static void ThrowIfUnsupported()
    {
        if (!IsSupported)
        {
            throw NotSupported();
        }
    }
}
