using ParallelGen;

namespace FolderCopy;

/// <summary>The work each worker process does: copy one file.</summary>
public static class Copier
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, creating its folder; returns the bytes copied.</summary>
    [ProcessTask(MaxRetries = 2)]
    public static long CopyFile(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.Copy(source, destination, overwrite: true);
        return new FileInfo(destination).Length;
    }
}
