namespace ParallelGen.Generators.Model;

/// <summary>One call such as <c>pool.Map(Square, data)</c>, to be intercepted and routed to the task's descriptor.</summary>
/// <remarks>Models hold no symbols, syntax nodes, semantic models, compilations or locations.</remarks>
/// <param name="Target">The intercepted method and the task passed to it; equal for calls that share an interceptor.</param>
/// <param name="Location">Where the call is.</param>
internal sealed record CallSiteModel(InterceptorTarget Target, InterceptLocation Location);

/// <summary>An intercepted <c>[ProcessTaskCall]</c> method, constructed for one task.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="ContainingType">The type that declares the method, fully qualified.</param>
/// <param name="MethodName">E.g. <c>Map</c>.</param>
/// <param name="IsStatic">Whether the method is static (no receiver parameter).</param>
/// <param name="Style">How the call gives the task's arguments, from the call-shape table.</param>
/// <param name="ReturnType">The constructed return type, or <c>void</c>.</param>
/// <param name="Parameters">The constructed parameters; the first is the task.</param>
/// <param name="Task">The task's descriptor.</param>
/// <param name="TaskMethodName">The task method's name, for the interceptor's name.</param>
internal sealed record InterceptorTarget(
    string ContainingType,
    string MethodName,
    bool IsStatic,
    ParallelGen.CallShapes.ArgumentStyle Style,
    string ReturnType,
    EquatableArray<ParameterModel> Parameters,
    DescriptorRef Task,
    string TaskMethodName);

/// <summary>An interceptable location, as <c>SemanticModel.GetInterceptableLocation</c> gives it.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="Version">The encoding version.</param>
/// <param name="Data">The opaque location data.</param>
/// <param name="Display">A readable <c>File.cs(line,col)</c> for the comment next to the attribute.</param>
internal sealed record InterceptLocation(int Version, string Data, string Display);
