using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ParallelGen.DocsTests;

/// <summary>
/// Turns a code block, which may be a fragment, into a compilable file: statements become the body of
/// <c>DocBlock.Run(string[] args)</c> (so they see <c>args</c>, as top-level statements do), methods and fields
/// written outside any type become members of <c>DocBlock</c>, and types stay types. <c>#line</c> directives map
/// every line back to the Markdown file, so diagnostics name its lines.
/// </summary>
/// <remarks>
/// A member of <c>DocBlock</c> is anything the compiler could only accept inside a type: a method with an access
/// modifier (<c>[ProcessTask] public static int Square(int x) =&gt; x * x;</c>), a field or a property. A method
/// without one (<c>static int Twice(int x) =&gt; 2 * x;</c>) stays a local function of <c>Run</c>, as it would be in
/// a program's top-level statements. Names the block uses from the block's members are found first, so a block may
/// declare its own <c>Square</c> next to the prelude's.
/// </remarks>
public static class BlockSource
{
    /// <summary>The generated file's text for <paramref name="block"/>.</summary>
    public static string Create(CodeBlock block, CSharpParseOptions options)
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

        bool isAsync = statements.Any(s => s.DescendantTokens().Any(t => t.IsKind(SyntaxKind.AwaitKeyword)));
        StringBuilder text = new();
        text.AppendLine("// Generated from " + block + " by ParallelGen.DocsTests.");
        Append(text, block, unit.Externs.Cast<SyntaxNode>().Concat(unit.Usings).Concat(unit.AttributeLists));
        text.AppendLine("public static partial class DocBlock");
        text.AppendLine("{");
        Append(text, block, members);
        text.AppendLine(isAsync ? "    public static async Task Run(string[] args)" : "    public static void Run(string[] args)");
        text.AppendLine("    {");
        Append(text, block, statements);
        text.AppendLine("    }");
        text.AppendLine("}");
        Append(text, block, types);
        return text.ToString();
    }

    private static bool IsAccessModifier(SyntaxToken token) =>
        token.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword;

    /// <summary>Writes each node at its own line and column of the Markdown file.</summary>
    private static void Append(StringBuilder text, CodeBlock block, IEnumerable<SyntaxNode> nodes)
    {
        foreach (SyntaxNode node in nodes)
        {
            FileLinePositionSpan span = node.GetLocation().GetLineSpan();
            text.AppendLine($"#line {block.Line + span.StartLinePosition.Line} \"{block.File}\"");
            text.Append(new string(' ', span.StartLinePosition.Character)).AppendLine(node.ToString());
            text.AppendLine("#line default");
        }
    }
}
