using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ParallelGen.Generators.Emitting;
using ParallelGen.Generators.Model;
using ParallelGen.Generators.Parsing;

namespace ParallelGen.Generators;

/// <summary>
/// The ParallelGen generator: for every <c>[ProcessTask]</c> method, a descriptor with its worker-side stub; per
/// assembly, a dispatch table; for every call such as <c>pool.Map(Square, data)</c>, an interceptor that routes it to
/// the task's descriptor. This class only wires the pipeline: parsing, models and emitting live in their folders.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ProcessTaskGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<TaskModel> tasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.ProcessTaskAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                TaskParser.Parse)
            .WithTrackingName(TrackingNames.Tasks)
            .Where(static task => task is not null)
            .Select(static (task, _) => task!)
            .WithTrackingName(TrackingNames.TaskModels);

        IncrementalValueProvider<ImmutableArray<TaskModel>> allTasks = tasks.Collect();

        IncrementalValuesProvider<EquatableArray<TaskModel>> tasksByType = allTasks
            .SelectMany(static (all, _) => all
                .GroupBy(task => task.Descriptor.MetadataName)
                .OrderBy(group => group.Key, System.StringComparer.Ordinal)
                .Select(group => group.OrderBy(task => task.Descriptor.FieldName, System.StringComparer.Ordinal).ToEquatableArray()))
            .WithTrackingName(TrackingNames.TasksByType);

        context.RegisterSourceOutput(tasksByType, static (output, group) =>
            output.AddSource(TaskStubEmitter.HintName(group[0].Descriptor), TaskStubEmitter.Emit([.. group])));

        IncrementalValueProvider<AssemblyModel> assembly = context.CompilationProvider
            .Select(AssemblyParser.Parse)
            .WithTrackingName(TrackingNames.Assembly);

        context.RegisterSourceOutput(assembly.Combine(allTasks), static (output, input) =>
        {
            (AssemblyModel model, ImmutableArray<TaskModel> all) = input;
            if (all.Length > 0 || (model.IsExecutable && model.ReferencedTables.Count > 0))
            {
                output.AddSource(DispatchTableEmitter.HintName, DispatchTableEmitter.Emit(model, all));
            }
        });

        IncrementalValueProvider<ImmutableArray<CallSiteModel>> calls = context.SyntaxProvider
            .CreateSyntaxProvider(CallSiteRules.IsCandidate, CallSiteParser.Parse)
            .WithTrackingName(TrackingNames.CallSites)
            .Where(static call => call is not null)
            .Select(static (call, _) => call!)
            .WithTrackingName(TrackingNames.CallSiteModels)
            .Collect();

        context.RegisterSourceOutput(calls, static (output, all) =>
        {
            if (all.Length > 0)
            {
                output.AddSource(InterceptorEmitter.HintName, InterceptorEmitter.Emit(all));
            }
        });
    }
}
