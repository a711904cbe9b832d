namespace ParallelGen.Testing;

/// <summary>
/// Finds files of the repository from a test or tool running out of its build output.
/// </summary>
/// <remarks>
/// The root is found by walking up from the running assembly's folder to <c>ParallelGen.sln</c>, not from
/// <c>[CallerFilePath]</c>: a CI build (<c>ContinuousIntegrationBuild</c>) maps source paths to <c>/_/</c>, so
/// compiled-in paths do not exist on the machine that runs the tests.
/// </remarks>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository's root folder, the one holding <c>ParallelGen.sln</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>A path below the repository's root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ParallelGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ParallelGen.sln above {AppContext.BaseDirectory}: run this from a build inside the ParallelGen repository.");
    }
}
