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
/// <param name="TypeParameters">The overload's type parameters when the interceptor is generic over them (a call routed from its syntax), else empty.</param>
/// <param name="ReturnType">The return type (in terms of <paramref name="TypeParameters"/> when generic), or <c>void</c>.</param>
/// <param name="ConcreteReturnType">What the descriptor's overload returns, over the task's own types.</param>
/// <param name="Parameters">The parameters; the first is the task.</param>
/// <param name="Task">The task's descriptor.</param>
/// <param name="TaskMethodName">The task method's name, for the interceptor's name.</param>
internal sealed record InterceptorTarget(
    string ContainingType,
    string MethodName,
    bool IsStatic,
    ParallelGen.CallShapes.ArgumentStyle Style,
    EquatableArray<string> TypeParameters,
    string ReturnType,
    string ConcreteReturnType,
    EquatableArray<InterceptorParameter> Parameters,
    DescriptorRef Task,
    string TaskMethodName);

/// <summary>A parameter of an intercepted method, with the type the descriptor's overload takes in its place.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">Its type in the interceptor's signature.</param>
/// <param name="ConcreteType">Its type over the task's own types (equal to <paramref name="Type"/> unless the interceptor is generic).</param>
/// <param name="ItemType">For <c>items</c>: the element type in the signature; else empty.</param>
/// <param name="ConcreteItemType">For <c>items</c>: the element type over the task's own types; else empty.</param>
internal sealed record InterceptorParameter(string Name, string Type, string ConcreteType, string ItemType = "", string ConcreteItemType = "");

/// <summary>An interceptable location, as <c>SemanticModel.GetInterceptableLocation</c> gives it.</summary>
/// <remarks>Holds no symbols or syntax.</remarks>
/// <param name="Version">The encoding version.</param>
/// <param name="Data">The opaque location data.</param>
/// <param name="Display">A readable <c>File.cs(line,col)</c> for the comment next to the attribute.</param>
internal sealed record InterceptLocation(int Version, string Data, string Display);
