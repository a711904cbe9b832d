namespace ParallelGen.Transport;

/// <summary>A frame grew past <see cref="FrameBuffer.Limit"/> while it was being written; the writer says which limit and why.</summary>
internal sealed class FrameTooLargeException : InvalidOperationException
{
    public FrameTooLargeException()
        : base("The frame grew past its size limit while it was being written.")
    {
    }
}
