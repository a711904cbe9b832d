using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ParallelGen.DocsTests;

/// <summary>
/// Turns a code block, which may be a fragment, into a compilable file: statements become the body of
/// <c>Work.Run(string[] args)</c> (so they see <c>args</c>, as top-level statements do), methods and fields written
/// outside any type become members of <c>static partial class Work</c>, and types stay types. The prelude's tasks
/// (Prelude/Tasks.cs) join <c>Work</c> too, each unless the block declares a member of that name. A block that
/// declares its own type <c>Work</c> gets the class <c>DocBlock</c> instead. <c>#line</c> directives map every line
/// back to the Markdown file, so diagnostics name its lines.
/// </summary>
/// <remarks>
/// A member of the class is anything the compiler could only accept inside a type: a method with an access modifier
/// (<c>[ProcessTask] public static int Square(int x) =&gt; x * x;</c>), a field or a property. A method without one
/// (<c>static int Twice(int x) =&gt; 2 * x;</c>) stays a local function of <c>Run</c>, as it would be in a program's
/// top-level statements.
/// </remarks>
public static class BlockSource
{
    /// <summary>The generated file's text for <paramref name="block"/>, with the prelude's tasks from <paramref name="preludeTasks"/>.</summary>
    public static string Create(CodeBlock block, CSharpParseOptions options, SyntaxTree preludeTasks)
    {
        CompilationUnitSyntax unit = CSharpSyntaxTree.ParseText(block.Code, options).GetCompilationUnitRoot();
        List<SyntaxNode> statements = [];
        List<SyntaxNode> members = [];
        List<SyntaxNode> types = [];
        foreach (MemberDeclarationSyntax node in unit.Members)
        {
            List<SyntaxNode> part = node switch
            {
                GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function } when function.Modifiers.Any(IsAccessModifier) => members,
                GlobalStatementSyntax => statements,
                BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or BaseNamespaceDeclarationSyntax => types,
                _ => members,
            };
            part.Add(node);
        }

        HashSet<string> declared = [.. members.SelectMany(NamesOf)];
        string className = types.SelectMany(t => t.DescendantNodesAndSelf().OfType<BaseTypeDeclarationSyntax>()).Any(t => t.Identifier.Text == "Work") ? "DocBlock" : "Work";
        MemberDeclarationSyntax[] prelude =
        [
            .. preludeTasks.GetCompilationUnitRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single().Members
                .Where(m => !NamesOf(m).Any(declared.Contains)),
        ];

        bool isAsync = statements.Any(s => s.DescendantTokens().Any(t => t.IsKind(SyntaxKind.AwaitKeyword)));
        StringBuilder text = new();
        text.AppendLine("// Generated from " + block + " by ParallelGen.DocsTests.");
        Append(text, block.File, block.Line, unit.Externs.Cast<SyntaxNode>().Concat(unit.Usings).Concat(unit.AttributeLists));
        text.AppendLine($"public static partial class {className}");
        text.AppendLine("{");
        Append(text, block.File, block.Line, members);
        Append(text, preludeTasks.FilePath, 1, prelude);
        text.AppendLine(isAsync ? "    public static async Task Run(string[] args)" : "    public static void Run(string[] args)");
        text.AppendLine("    {");
        Append(text, block.File, block.Line, statements);
        text.AppendLine("    }");
        text.AppendLine("}");
        Append(text, block.File, block.Line, types);
        return text.ToString();
    }

    private static bool IsAccessModifier(SyntaxToken token) =>
        token.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword;

    /// <summary>The names a member declares: a method's, a property's, each variable of a field.</summary>
    private static IEnumerable<string> NamesOf(SyntaxNode member) => member switch
    {
        GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function } => [function.Identifier.Text],
        MethodDeclarationSyntax method => [method.Identifier.Text],
        PropertyDeclarationSyntax property => [property.Identifier.Text],
        BaseFieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.Text),
        _ => [],
    };

    /// <summary>Writes each node at its own line and column of <paramref name="file"/>, whose text starts at <paramref name="firstLine"/>.</summary>
    private static void Append(StringBuilder text, string file, int firstLine, IEnumerable<SyntaxNode> nodes)
    {
        foreach (SyntaxNode node in nodes)
        {
            FileLinePositionSpan span = node.GetLocation().GetLineSpan();
            text.AppendLine($"#line {firstLine + span.StartLinePosition.Line} \"{file}\"");
            text.Append(new string(' ', span.StartLinePosition.Character)).AppendLine(node.ToString());
            text.AppendLine("#line default");
        }
    }
}
