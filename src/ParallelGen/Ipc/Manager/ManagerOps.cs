namespace ParallelGen.Ipc;

/// <summary>The operations a <see cref="ManagedDictionary{TKey, TValue}"/> proxy asks its manager for: the one place they are numbered.</summary>
internal enum DictionaryOp : byte
{
    /// <summary>[key] → [bool found][value if found].</summary>
    Get = 1,

    /// <summary>[key][value] → nothing.</summary>
    Set = 2,

    /// <summary>[key] → [bool removed].</summary>
    Remove = 3,

    /// <summary>nothing → [int count].</summary>
    Count = 4,

    /// <summary>nothing → [int count][key]*.</summary>
    Keys = 5,

    /// <summary>nothing → nothing.</summary>
    Clear = 6,
}

/// <summary>The operations a <see cref="ManagedList{T}"/> proxy asks its manager for: the one place they are numbered.</summary>
internal enum ListOp : byte
{
    /// <summary>[item] → nothing.</summary>
    Add = 1,

    /// <summary>[int index] → [item].</summary>
    Get = 2,

    /// <summary>[int index][item] → nothing.</summary>
    Set = 3,

    /// <summary>nothing → [int count].</summary>
    Count = 4,

    /// <summary>[int index] → nothing.</summary>
    RemoveAt = 5,

    /// <summary>nothing → nothing.</summary>
    Clear = 6,
}
