using ParallelGen.Transport;

namespace ParallelGen.Protocol;

/// <summary>An exception as it crosses from a worker to the parent: type name, base type names (nearest first, ';'-separated), message and stack text.</summary>
internal readonly record struct RemoteError(int ItemIndex, string TypeName, string Message, string StackTrace, string BaseTypeNames = "")
{
    /// <summary>The fewest bytes an error takes on the wire: its index and four empty strings.</summary>
    public const int MinimumSize = 20;

    public static RemoteError From(int itemIndex, Exception exception)
    {
        string stack = exception.StackTrace ?? "";
        if (exception.InnerException is { } inner)
        {
            stack = $"{stack}{Environment.NewLine} ---> {inner}";
        }

        List<string> bases = [];
        for (Type? type = exception.GetType().BaseType; type is not null && type != typeof(object); type = type.BaseType)
        {
            bases.Add(type.FullName ?? type.Name);
        }

        return new RemoteError(itemIndex, exception.GetType().FullName ?? exception.GetType().Name, exception.Message, stack, string.Join(';', bases));
    }

    public void WriteTo(FrameBuffer buffer)
    {
        buffer.WriteInt32(ItemIndex);
        buffer.WriteString(TypeName);
        buffer.WriteString(Message);
        buffer.WriteString(StackTrace);
        buffer.WriteString(BaseTypeNames);
    }

    public static RemoteError ReadFrom(ref ReadOnlySpan<byte> bytes)
    {
        int index = SpanReader.ReadInt32(ref bytes);
        string type = SpanReader.ReadString(ref bytes);
        string message = SpanReader.ReadString(ref bytes);
        string stack = SpanReader.ReadString(ref bytes);
        string bases = SpanReader.ReadString(ref bytes);
        return new RemoteError(index, type, message, stack, bases);
    }
}
