using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators.Diagnostics;

/// <summary>
/// Reports calls to the pool (and every other <c>[ProcessTaskCall]</c> method) that pass something other than a
/// static <c>[ProcessTask]</c> method, or arguments that do not fit the task (PG0100–PG0199).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallSiteAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.LambdaPassed,
        DiagnosticDescriptors.LocalFunctionPassed,
        DiagnosticDescriptors.InstanceMethodPassed,
        DiagnosticDescriptors.NotAProcessTask,
        DiagnosticDescriptors.DelegateValuePassed,
        DiagnosticDescriptors.WrongArgumentCount,
        DiagnosticDescriptors.WrongArgumentType,
        DiagnosticDescriptors.TaskWithoutGenerator,
    ];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeInvocation, OperationKind.Invocation);
        context.RegisterSyntaxNodeAction(AnalyzeUnresolved, SyntaxKind.InvocationExpression);
    }

    /// <summary>A call that bound: check what was passed as the task.</summary>
    private static void AnalyzeInvocation(OperationAnalysisContext context)
    {
        IInvocationOperation invocation = (IInvocationOperation)context.Operation;
        if (!invocation.TargetMethod.OriginalDefinition.HasAttribute(KnownNames.ProcessTaskCallAttribute))
        {
            return;
        }

        IArgumentOperation? argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0);
        if (argument is null)
        {
            return;
        }

        IOperation value = argument.Value;
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        Location location = argument.Syntax.GetLocation();
        if (value is not IDelegateCreationOperation creation)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DelegateValuePassed, location));
            return;
        }

        switch (creation.Target)
        {
            case IAnonymousFunctionOperation:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LambdaPassed, location));
                break;
            case IMethodReferenceOperation { Method: { } method }:
                ReportMethodProblem(context, method, location);
                break;
            default:
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DelegateValuePassed, location));
                break;
        }
    }

    private static void ReportMethodProblem(OperationAnalysisContext context, IMethodSymbol method, Location location)
    {
        string name = method.ToDisplayString(KnownNames.Readable);
        if (method.MethodKind == MethodKind.LocalFunction)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LocalFunctionPassed, location, method.Name));
        }
        else if (!method.IsStatic)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InstanceMethodPassed, location, name));
        }
        else if (!method.HasAttribute(KnownNames.ProcessTaskAttribute))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotAProcessTask, location, name));
        }
        else if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, context.Compilation.Assembly)
            && method.ContainingAssembly.GetTypeByMetadataName(TaskNaming.Descriptor(method).MetadataName) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskWithoutGenerator, location, name, method.ContainingAssembly.Name));
        }
    }

    /// <summary>A call that did not bind although a <c>[ProcessTask]</c> was passed: say what does not fit the task.</summary>
    private static void AnalyzeUnresolved(SyntaxNodeAnalysisContext context)
    {
        InvocationExpressionSyntax invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.ArgumentList.Arguments.Count == 0)
        {
            return;
        }

        SymbolInfo info = context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken);
        if (info.Symbol is not null)
        {
            return;
        }

        IMethodSymbol[] candidates = [.. info.CandidateSymbols.OfType<IMethodSymbol>().Where(m => m.OriginalDefinition.HasAttribute(KnownNames.ProcessTaskCallAttribute))];
        if (candidates.Length == 0 || Task(context, invocation.ArgumentList.Arguments[0].Expression) is not { } task)
        {
            return;
        }

        IParameterSymbol[] parameters = [.. task.Parameters.Where(p => !p.Type.IsCancellationToken())];
        bool itemsStyle = candidates.Any(m => m.Parameters.Any(p => p.Name == "items"));
        string method = candidates[0].Name;
        if (itemsStyle)
        {
            CheckItems(context, invocation, task, parameters, method);
        }
        else
        {
            ArgumentSyntax[] given = [.. invocation.ArgumentList.Arguments.Skip(1).Where(a => a.NameColon is null || a.NameColon.Name.Identifier.ValueText.StartsWith("arg", System.StringComparison.Ordinal))];
            ITypeSymbol?[] types = [.. given.Select(a => context.SemanticModel.GetTypeInfo(a.Expression, context.CancellationToken).Type)];
            Check(context, invocation.ArgumentList.GetLocation(), given.Select(a => a.GetLocation()).ToArray(), task, parameters, types, $"this {method} call");
        }
    }

    private static void CheckItems(SyntaxNodeAnalysisContext context, InvocationExpressionSyntax invocation, IMethodSymbol task, IParameterSymbol[] parameters, string method)
    {
        if (invocation.ArgumentList.Arguments.Count < 2 || ElementType(context.SemanticModel.GetTypeInfo(invocation.ArgumentList.Arguments[1].Expression, context.CancellationToken).Type) is not { } element)
        {
            return;
        }

        Location location = invocation.ArgumentList.Arguments[1].GetLocation();
        bool tuples = method.StartsWith("Starmap", System.StringComparison.Ordinal);
        ITypeSymbol?[] types = tuples && element is INamedTypeSymbol { IsTupleType: true } tuple
            ? [.. tuple.TupleElements.Select(e => e.Type)]
            : [element];
        Location[] locations = [.. types.Select(_ => location)];
        Check(context, location, locations, task, parameters, types, tuples ? $"each item of this {method} call" : $"{method}, one per item,");
    }

    private static void Check(SyntaxNodeAnalysisContext context, Location countLocation, Location[] locations, IMethodSymbol task, IParameterSymbol[] parameters, ITypeSymbol?[] types, string given)
    {
        string name = task.ToDisplayString(KnownNames.Readable);
        if (types.Length != parameters.Length)
        {
            string list = parameters.Length == 0 ? "none" : string.Join(", ", parameters.Select(p => $"{p.Type.ToDisplayString(KnownNames.Readable)} {p.Name}"));
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WrongArgumentCount, countLocation, name, parameters.Length, list, given, types.Length));
            return;
        }

        for (int i = 0; i < types.Length; i++)
        {
            if (types[i] is { } type && type.TypeKind != TypeKind.Error && !context.Compilation.ClassifyConversion(type, parameters[i].Type).IsImplicit)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WrongArgumentType,
                    locations[i],
                    i + 1,
                    name,
                    parameters[i].Type.ToDisplayString(KnownNames.Readable),
                    type.ToDisplayString(KnownNames.Readable)));
                return;
            }
        }
    }

    private static IMethodSymbol? Task(SyntaxNodeAnalysisContext context, ExpressionSyntax expression)
    {
        SymbolInfo info = context.SemanticModel.GetSymbolInfo(expression, context.CancellationToken);
        IEnumerable<ISymbol> symbols = info.Symbol is { } symbol ? [symbol] : info.CandidateSymbols;
        IMethodSymbol[] tasks = [.. symbols.OfType<IMethodSymbol>().Where(m => m.HasAttribute(KnownNames.ProcessTaskAttribute))];
        return tasks.Length == 1 ? tasks[0] : null;
    }

    private static ITypeSymbol? ElementType(ITypeSymbol? type)
    {
        if (type is null)
        {
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.ElementType;
        }

        INamedTypeSymbol? enumerable = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } self
            ? self
            : type.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
        return enumerable?.TypeArguments[0];
    }
}
