using ParallelGen.Grains;
using ParallelGen.Wire;

namespace ParallelGen.Orleans.Tests;

/// <summary>The build check, the node's arguments and the batch order, without any process.</summary>
public sealed class ClusterBasicsTests
{
    private static readonly Guid BuildA = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid BuildB = Guid.Parse("22222222-2222-2222-2222-222222222222");

    [Fact]
    public void A_node_with_the_coordinators_tables_from_the_same_build_is_accepted_even_with_more()
    {
        Assert.Null(BuildIdentity.Mismatch([new("App", BuildA)], [new("App", BuildA), new("Extra", BuildB)]));
    }

    [Fact]
    public void A_node_built_from_other_code_or_without_a_table_is_refused_and_told_which()
    {
        string? other = BuildIdentity.Mismatch([new("App", BuildA)], [new("App", BuildB)]);
        Assert.NotNull(other);
        Assert.Contains("App is build 222222222222 on the node and 111111111111 on the coordinator", other);

        string? missing = BuildIdentity.Mismatch([new("App", BuildA), new("Lib", BuildA)], [new("App", BuildA)]);
        Assert.Contains("the node has no tasks from Lib", missing);
    }

    [Fact]
    public void This_process_reports_the_tables_it_registered_with_their_module_version_ids()
    {
        _ = ClusterTasksProcessTasks.Square;
        TableBuild table = Assert.Single(BuildIdentity.Current(), t => t.Assembly == "ParallelGen.Orleans.TestNode");
        Assert.Equal(typeof(ClusterTasks).Assembly.ManifestModule.ModuleVersionId, table.Build);
    }

    [Fact]
    public void Node_arguments_are_parsed_and_bad_ones_rejected_with_the_reason()
    {
        ParallelGenNodeOptions options = ParallelGenNodeOptions.Parse(["app", "--pg-node", "--join", "127.0.0.1:11111", "--workers", "3", "--name", "n1", "--listen", "127.0.0.1:0", "--probe-timeout", "0.5"]);
        Assert.Equal("127.0.0.1:11111", options.Join);
        Assert.Equal(3, options.Workers);
        Assert.Equal("n1", options.Name);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.ProbeTimeout);

        Assert.Contains("exactly one of --join", Assert.Throws<FormatException>(() => ParallelGenNodeOptions.Parse(["--pg-node"])).Message);
        Assert.Contains("exactly one of --join", Assert.Throws<FormatException>(() => ParallelGenNodeOptions.Parse(["--pg-node", "--join", "a:1", "--redis", "b"])).Message);
        Assert.Contains("--frobnicate", Assert.Throws<FormatException>(() => ParallelGenNodeOptions.Parse(["--pg-node", "--frobnicate"])).Message);
        Assert.Contains("needs a value", Assert.Throws<FormatException>(() => ParallelGenNodeOptions.Parse(["--pg-node", "--join"])).Message);
    }

    [Fact]
    public async Task A_program_without_the_node_argument_is_not_a_node()
    {
        Assert.False(await ParallelGenNode.TryRunAsync(["--something-else"]));
    }

    [Fact]
    public void Pool_options_out_of_range_are_rejected_before_anything_starts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterPoolOptions { MaxMessageSize = int.MaxValue }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterPoolOptions { MaxWorkers = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterPoolOptions { TaskTimeout = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterPoolOptions { Listen = 70000 }.Validate());
    }

    [Fact]
    public void The_inbox_hands_out_batches_in_sequence_once_each()
    {
        Inbox inbox = new();
        byte[] one = [1], two = [2], three = [3];
        Assert.Empty(inbox.Accept(2, two));
        Assert.Empty(inbox.Accept(3, three));
        Assert.Equal([one, two, three], inbox.Accept(1, one));
        Assert.Empty(inbox.Accept(2, two));
    }

    [Fact]
    public void A_corrupt_batch_is_an_error_not_a_guess()
    {
        Assert.Throws<InvalidDataException>(() => ToNode.Read(new byte[] { 2, 0, 0 }, null!));
        Assert.Throws<InvalidDataException>(() => ToCoordinator.Read(new byte[] { 99, 1, 0, 0, 0 }, null!));
    }
}
