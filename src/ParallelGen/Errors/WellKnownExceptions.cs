namespace ParallelGen;

/// <summary>
/// Re-creates, in the parent, the well-known .NET exception a task threw (or the nearest well-known type it derives
/// from), with the remote message, as <see cref="RemoteTaskException"/>'s inner exception. A fixed table: no reflection,
/// so it works the same under Native AOT.
/// </summary>
internal static class WellKnownExceptions
{
    /// <summary>Returns the re-created exception for the remote type or its nearest well-known base, or <see langword="null"/>.</summary>
    public static Exception? Recreate(string typeName, IReadOnlyList<string>? baseTypeNames, string message)
    {
        if (Create(typeName, message) is { } exception)
        {
            return exception;
        }

        foreach (string baseName in baseTypeNames ?? [])
        {
            if (Create(baseName, message) is { } nearest)
            {
                return nearest;
            }
        }

        return null;
    }

    private static Exception? Create(string typeName, string message) => typeName switch
    {
        "System.ArgumentException" => new ArgumentException(message),
        "System.ArgumentNullException" => new ArgumentNullException(null, message),
        "System.ArgumentOutOfRangeException" => new ArgumentOutOfRangeException(null, message),
        "System.InvalidOperationException" => new InvalidOperationException(message),
        "System.ObjectDisposedException" => new ObjectDisposedException(null, message),
        "System.NotSupportedException" => new NotSupportedException(message),
        "System.PlatformNotSupportedException" => new PlatformNotSupportedException(message),
        "System.NotImplementedException" => new NotImplementedException(message),
        "System.FormatException" => new FormatException(message),
        "System.InvalidCastException" => new InvalidCastException(message),
        "System.NullReferenceException" => new NullReferenceException(message),
        "System.IndexOutOfRangeException" => new IndexOutOfRangeException(message),
        "System.ArithmeticException" => new ArithmeticException(message),
        "System.DivideByZeroException" => new DivideByZeroException(message),
        "System.OverflowException" => new OverflowException(message),
        "System.TimeoutException" => new TimeoutException(message),
        "System.OperationCanceledException" => new OperationCanceledException(message),
        "System.Threading.Tasks.TaskCanceledException" => new TaskCanceledException(message),
        "System.UnauthorizedAccessException" => new UnauthorizedAccessException(message),
        "System.Collections.Generic.KeyNotFoundException" => new KeyNotFoundException(message),
        "System.IO.IOException" => new IOException(message),
        "System.IO.FileNotFoundException" => new FileNotFoundException(message),
        "System.IO.DirectoryNotFoundException" => new DirectoryNotFoundException(message),
        "System.IO.EndOfStreamException" => new EndOfStreamException(message),
        "System.IO.PathTooLongException" => new PathTooLongException(message),
        "System.IO.InvalidDataException" => new InvalidDataException(message),
        _ => null,
    };
}
