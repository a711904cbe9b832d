using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ParallelGen.CallShapes;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators.Diagnostics;

/// <summary>
/// A call to a call-shape method that did not bind although a <c>[ProcessTask]</c> was passed: says, at the argument
/// at fault, what does not fit the task, instead of leaving only compiler messages about delegate types or the
/// descriptor overloads users never call (PG0105, PG0106, PG0112–PG0114).
/// </summary>
internal static class UnboundCallAnalysis
{
    public static void Analyze(SyntaxNodeAnalysisContext context)
    {
        InvocationExpressionSyntax invocation = (InvocationExpressionSyntax)context.Node;
        if (!CallSiteRules.IsCandidate(invocation, context.CancellationToken))
        {
            return;
        }

        SemanticModel model = context.SemanticModel;
        SymbolInfo info = model.GetSymbolInfo(invocation, context.CancellationToken);
        if (info.Symbol is IMethodSymbol bound)
        {
            AnalyzeBound(context, invocation, bound);
            return;
        }

        IMethodSymbol? candidate = info.CandidateSymbols.OfType<IMethodSymbol>().FirstOrDefault(m => CallSiteRules.ShapeOf(m) is not null);
        if (candidate is null || CallSiteRules.ShapeOf(candidate) is not { } shape || TaskArgument(invocation) is not { } taskArgument)
        {
            return;
        }

        ExpressionSyntax taskExpression = Strip(taskArgument.Expression);
        if (taskExpression is ConditionalExpressionSyntax or SwitchExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression })
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TaskNotOneMethod, taskArgument.GetLocation(), taskArgument.Expression.ToString()));
            return;
        }

        IMethodSymbol[] tasks = Tasks(model, taskExpression, context);
        Given? given = shape.Style == ArgumentStyle.Arguments
            ? FromArguments(model, invocation, candidate.Name, context)
            : FromItems(model, invocation, candidate.Name, shape.Style == ArgumentStyle.TupleItems, context);
        if (tasks.Length == 0 || given is null)
        {
            return;
        }

        IMethodSymbol task = tasks[0];
        if (tasks.Length > 1)
        {
            IMethodSymbol[] fitting = [.. tasks.Where(t => Fits(context.Compilation, Parameters(t), given))];
            if (fitting.Length == 0)
            {
                string types = "(" + string.Join(", ", given.Types.Select(t => t?.ToDisplayString(KnownNames.Readable) ?? "?")) + ")";
                string overloads = string.Join(", ", tasks.Select(t => t.ToDisplayString(KnownNames.Readable)));
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoOverloadFits, given.CountLocation, tasks[0].ContainingType.Name + "." + tasks[0].Name, types, overloads));
                return;
            }

            if (fitting.Length > 1)
            {
                return; // The compiler's ambiguity error names the overloads.
            }

            task = fitting[0];
        }

        Check(context, task, given);
    }

    /// <summary>
    /// A call that bound, but whose delegate type, built from the arguments' types, the task does not convert to: a
    /// direct call would convert <c>2</c> to <c>long</c>, but <c>Func&lt;int, int, long&gt;</c> cannot take
    /// <c>Add(int, long)</c> (CS0123). Explicit type arguments that match the task are fine.
    /// </summary>
    private static void AnalyzeBound(SyntaxNodeAnalysisContext context, InvocationExpressionSyntax invocation, IMethodSymbol bound)
    {
        if (CallSiteRules.ShapeOf(bound) is not { } shape
            || bound.Parameters.Length == 0
            || bound.Parameters[0].Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
            || TaskArgument(invocation) is not { } taskArgument
            || Tasks(context.SemanticModel, Strip(taskArgument.Expression), context) is not { Length: 1 } tasks)
        {
            return;
        }

        IMethodSymbol task = tasks[0];

        ITypeSymbol[] types = [.. invoke.Parameters.Where(p => !p.Type.IsCancellationToken()).Select(p => p.Type)];
        IParameterSymbol[] parameters = Parameters(task);
        if (types.Length != parameters.Length
            || types.Select((type, i) => context.Compilation.ClassifyConversion(type, parameters[i].Type)).All(c => c.IsIdentity || (c.IsImplicit && c.IsReference)))
        {
            return;
        }

        Given? given = shape.Style == ArgumentStyle.Arguments
            ? FromArguments(context.SemanticModel, invocation, bound.Name, context)
            : FromItems(context.SemanticModel, invocation, bound.Name, shape.Style == ArgumentStyle.TupleItems, context);
        if (given is not null && given.Types.Length == types.Length)
        {
            Check(context, task, given with { Types = types });
        }
    }

    /// <summary>What the call gives the task: a type per task parameter (null when the expression has none).</summary>
    private sealed record Given(ITypeSymbol?[] Types, ExpressionSyntax?[] Expressions, Location[] Locations, Location CountLocation, string Description, bool Items);

    private static Given? FromArguments(SemanticModel model, InvocationExpressionSyntax invocation, string method, SyntaxNodeAnalysisContext context)
    {
        // Positional arguments after the task are arg1, arg2, ...; named ones say which they are.
        ArgumentSyntax[] positional = [.. invocation.ArgumentList.Arguments.Where(a => a.NameColon is null).Skip(1)];
        ArgumentSyntax[] named =
        [
            .. invocation.ArgumentList.Arguments
                .Where(a => a.NameColon is not null && CallShapeTable.IsArgumentParameter(a.NameColon.Name.Identifier.ValueText))
                .OrderBy(a => a.NameColon!.Name.Identifier.ValueText, System.StringComparer.Ordinal),
        ];
        ArgumentSyntax[] given = [.. positional, .. named];
        return new Given(
            [.. given.Select(a => model.GetTypeInfo(a.Expression, context.CancellationToken).Type)],
            [.. given.Select(a => a.Expression)],
            [.. given.Select(a => a.GetLocation())],
            invocation.ArgumentList.GetLocation(),
            $"this {method} call",
            Items: false);
    }

    private static Given? FromItems(SemanticModel model, InvocationExpressionSyntax invocation, string method, bool tuples, SyntaxNodeAnalysisContext context)
    {
        ArgumentSyntax? items = invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == CallShapeTable.ItemsParameter)
            ?? invocation.ArgumentList.Arguments.Where(a => a.NameColon is null).Skip(1).FirstOrDefault();
        if (items is null || ElementType(model.GetTypeInfo(items.Expression, context.CancellationToken).Type) is not { } element)
        {
            return null;
        }

        ITypeSymbol?[] types = tuples && element is INamedTypeSymbol { IsTupleType: true } tuple ? [.. tuple.TupleElements.Select(e => e.Type)] : [element];
        return new Given(
            types,
            new ExpressionSyntax?[types.Length],
            [.. types.Select(_ => items.GetLocation())],
            items.GetLocation(),
            tuples ? $"each item of this {method} call" : $"{method}, one per item,",
            Items: true);
    }

    private static void Check(SyntaxNodeAnalysisContext context, IMethodSymbol task, Given given)
    {
        IParameterSymbol[] parameters = Parameters(task);
        string name = task.ToDisplayString(KnownNames.Readable);
        if (given.Types.Length != parameters.Length)
        {
            string list = parameters.Length == 0 ? "none" : string.Join(", ", parameters.Select(p => $"{p.Type.ToDisplayString(KnownNames.Readable)} {p.Name}"));
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WrongArgumentCount, given.CountLocation, name, parameters.Length, list, given.Description, given.Types.Length));
            return;
        }

        for (int i = 0; i < given.Types.Length; i++)
        {
            ITypeSymbol expected = parameters[i].Type;
            string expectedName = expected.ToDisplayString(KnownNames.Readable);
            if (given.Types[i] is not { } type)
            {
                if (Untyped(given.Expressions[i]) is { } what)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.ArgumentNeedsType, given.Locations[i], i + 1, name, expectedName, what, Suggestion(given.Expressions[i]!, expected)));
                    return;
                }

                continue;
            }

            if (type.TypeKind == TypeKind.Error)
            {
                continue;
            }

            Conversion conversion = context.Compilation.ClassifyConversion(type, expected);
            if (!conversion.IsImplicit)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.WrongArgumentType, given.Locations[i], i + 1, name, expectedName, type.ToDisplayString(KnownNames.Readable)));
                return;
            }

            if (!conversion.IsIdentity && !conversion.IsReference)
            {
                // int -> long, int -> object, T -> T?: a direct call converts; a delegate of the arguments' types cannot.
                string suggestion = given.Items
                    ? $"items of type '{expectedName}' (convert them first, for example with Select)"
                    : given.Expressions[i] is { } expression && expression.Span.Length <= 30 ? $"({expectedName}){expression}" : $"a '{expectedName}' value";
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ArgumentNeedsType, given.Locations[i], i + 1, name, expectedName, $"'{type.ToDisplayString(KnownNames.Readable)}'", suggestion));
                return;
            }
        }
    }

    private static bool Fits(Compilation compilation, IParameterSymbol[] parameters, Given given) =>
        parameters.Length == given.Types.Length
        && given.Types.Select((type, i) => type is null || type.TypeKind == TypeKind.Error || compilation.ClassifyConversion(type, parameters[i].Type).IsImplicit).All(fits => fits);

    private static string? Untyped(ExpressionSyntax? expression) => expression switch
    {
        LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } => "null",
        LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } => "'default'",
        CollectionExpressionSyntax => "a collection expression",
        _ => null,
    };

    private static string Suggestion(ExpressionSyntax expression, ITypeSymbol expected)
    {
        string type = expected.ToDisplayString(KnownNames.Readable);
        return expression switch
        {
            CollectionExpressionSyntax collection => $"new {type} {{ {string.Join(", ", collection.Elements)} }}",
            _ when expected.IsValueType && expected.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T => $"a '{type}' value (null is not one)",
            _ => $"({type}){expression}",
        };
    }

    private static ArgumentSyntax? TaskArgument(InvocationExpressionSyntax invocation) =>
        invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == CallShapeTable.TaskParameter)
        ?? invocation.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon is null);

    /// <summary>Looks through parentheses, casts and <c>new Func&lt;...&gt;(...)</c> to the method group, as the generator does.</summary>
    private static ExpressionSyntax Strip(ExpressionSyntax expression)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    break;
                case CastExpressionSyntax cast:
                    expression = cast.Expression;
                    break;
                case ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 1 } creation:
                    expression = creation.ArgumentList.Arguments[0].Expression;
                    break;
                default:
                    return expression;
            }
        }
    }

    private static IMethodSymbol[] Tasks(SemanticModel model, ExpressionSyntax expression, SyntaxNodeAnalysisContext context)
    {
        SymbolInfo info = model.GetSymbolInfo(expression, context.CancellationToken);
        IEnumerable<ISymbol> symbols = info.Symbol is { } symbol ? [symbol] : info.CandidateSymbols;
        return [.. symbols.OfType<IMethodSymbol>().Where(m => m.HasAttribute(KnownNames.ProcessTaskAttribute))];
    }

    private static IParameterSymbol[] Parameters(IMethodSymbol task) => [.. task.Parameters.Where(p => !p.Type.IsCancellationToken())];

    private static ITypeSymbol? ElementType(ITypeSymbol? type)
    {
        if (type is IArrayTypeSymbol array)
        {
            return array.ElementType;
        }

        INamedTypeSymbol? enumerable = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } self
            ? self
            : type?.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
        return enumerable?.TypeArguments[0];
    }
}
