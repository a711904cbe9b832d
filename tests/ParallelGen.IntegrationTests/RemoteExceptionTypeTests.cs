namespace ParallelGen.IntegrationTests;

/// <summary>Python's <c>except ValueError:</c>: a task's exception type can be tested in the parent, derived types included.</summary>
public sealed class RemoteExceptionTypeTests
{
    [Fact]
    public Task A_well_known_exception_is_recreated_as_the_inner_exception_and_RemoteIs_matches_its_bases() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);

        RemoteTaskException format = await Assert.ThrowsAsync<RemoteTaskException>(async () => await test.Pool.ApplyAsync(IpcParityWork.ThrowKind, "format"));
        Assert.Equal("System.FormatException", format.RemoteTypeName);
        FormatException inner = Assert.IsType<FormatException>(format.InnerException);
        Assert.Equal(format.Message, inner.Message);
        Assert.True(format.RemoteIs<FormatException>());
        Assert.True(format.RemoteIs<SystemException>());
        Assert.True(format.RemoteIs<Exception>());
        Assert.False(format.RemoteIs<ArgumentException>());

        RemoteTaskException key = Assert.Throws<RemoteTaskException>(() => test.Pool.Apply(IpcParityWork.ThrowKind, "key"));
        Assert.IsType<KeyNotFoundException>(key.InnerException);
        Assert.Equal(["System.SystemException", "System.Exception"], key.RemoteBaseTypeNames);

        // The catch Python users write as `except ValueError:`, in both shapes.
        string caught = "";
        try
        {
            test.Pool.Map(IpcParityWork.ThrowKind, ["price"]);
        }
        catch (RemoteTaskException e) when (e.InnerException is ArgumentException)
        {
            caught = e.RemoteTypeName;
        }

        Assert.Equal(typeof(PriceOutOfRangeException).FullName, caught);
    });

    [Fact]
    public Task The_applications_own_exception_types_are_matched_by_name_through_their_bases() => Deadline.Run(async () =>
    {
        using TestPool test = new(processes: 1);
        RemoteTaskException stale = await Assert.ThrowsAsync<RemoteTaskException>(async () => await test.Pool.ApplyAsync(IpcParityWork.ThrowKind, "stale"));
        Assert.True(stale.RemoteIs<StalePriceException>());
        Assert.True(stale.RemoteIs<PricingException>());
        Assert.False(stale.RemoteIs<ArgumentException>());
        Assert.Null(stale.InnerException); // nothing well-known to re-create
        Assert.Equal("the price is 2 days old", stale.Message);

        RemoteTaskException price = await Assert.ThrowsAsync<RemoteTaskException>(async () => await test.Pool.ApplyAsync(IpcParityWork.ThrowKind, "price"));
        Assert.True(price.RemoteIs<ArgumentOutOfRangeException>());
        Assert.True(price.RemoteIs<ArgumentException>());
        Assert.IsType<ArgumentOutOfRangeException>(price.InnerException); // the nearest well-known base
    });

    [Fact]
    public Task A_WorkerProcess_keeps_the_typed_exception_of_its_task() => Deadline.Run(() =>
    {
        using Children children = new();
        WorkerProcess child = children.Add(WorkerProcess.Start(IpcParityWork.ThrowKind, "format"));
        Assert.True(child.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, child.ExitCode);
        Assert.NotNull(child.Exception);
        Assert.True(child.Exception.RemoteIs<FormatException>());
        Assert.IsType<FormatException>(child.Exception.InnerException);
    });
}
