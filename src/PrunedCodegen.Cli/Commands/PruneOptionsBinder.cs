using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Pruning;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>The pruning options shared by prune and sweep, and their translation into <see cref="PruneOptions"/>.</summary>
    internal sealed class PruneOptionsBinder
    {
        public Option<string> Scope { get; } = new Option<string>("--scope") { Description = "global: one threshold over all layers; layer: every layer loses the same fraction.", DefaultValueFactory = _ => "global" };
        public Option<string> Norm { get; } = new Option<string>("--norm") { Description = "How groups (neurons, blocks) are scored: l1 (mean |w|) or l2 (root mean square).", DefaultValueFactory = _ => "l1" };
        public Option<string> Pattern { get; } = new Option<string>("--pattern") { Description = "unstructured, block:RxC (R outputs x C inputs, e.g. block:8x1), or N:M (e.g. 2:4).", DefaultValueFactory = _ => "unstructured" };
        public Option<int> Seed { get; } = new Option<int>("--seed") { Description = "Seed of the random method (and, in prune and sweep, of the fine-tunes' validation split and batch order).", DefaultValueFactory = _ => 0 };
        public Option<string[]> Exclude { get; } = new Option<string[]>("--exclude") { Description = "Layers to leave alone (node or weight names; repeat or separate with commas).", AllowMultipleArgumentsPerToken = true };
        public Option<bool> KeepFirstLast { get; } = new Option<bool>("--keep-first-last") { Description = "Leave the first and last layers alone." };

        public void AddTo(Command command)
        {
            command.Add(Scope);
            command.Add(Norm);
            command.Add(Pattern);
            command.Add(Seed);
            command.Add(Exclude);
            command.Add(KeepFirstLast);
        }

        public static PruneMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
        {
            "magnitude" => PruneMethod.Magnitude,
            "random" => PruneMethod.Random,
            "structured" => PruneMethod.Structured,
            _ => throw new UserErrorException(ExitCodes.Usage, $"--method '{text}' is not one of magnitude, random, structured"),
        };

        public static PruneScope ParseScope(string text) => text.Trim().ToLowerInvariant() switch
        {
            "global" => PruneScope.Global,
            "layer" => PruneScope.Layer,
            _ => throw new UserErrorException(ExitCodes.Usage, $"--scope '{text}' is not one of global, layer"),
        };

        /// <summary>Options from the command line; <paramref name="sparsity"/> null means "not given" (allowed for N:M only).</summary>
        public PruneOptions Bind(ParseResult parse, PruneMethod method, PruneScope scope, double? sparsity)
        {
            string norm = parse.GetValue(Norm)!.Trim().ToLowerInvariant();
            if (norm is not ("l1" or "l2")) throw new UserErrorException(ExitCodes.Usage, $"--norm '{norm}' is not one of l1, l2");
            var pattern = PruningPattern.TryParse(parse.GetValue(Pattern)!, out string error) ?? throw new UserErrorException(ExitCodes.Usage, "--pattern " + error);
            if (pattern.Kind == PatternKind.NOfM)
            {
                if (sparsity is double s && Math.Abs(s - pattern.ImpliedSparsity) > 1e-9)
                    throw new UserErrorException(ExitCodes.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                        "--pattern {0} keeps {1} of every {2} weights, which is sparsity {3}; --sparsity {4} is impossible with it (leave --sparsity out)",
                        pattern, pattern.N, pattern.M, pattern.ImpliedSparsity, s));
                sparsity = pattern.ImpliedSparsity;
            }
            if (sparsity == null)
                throw new UserErrorException(ExitCodes.Usage, "--sparsity is required (except with an N:M pattern)");
            var exclude = (parse.GetValue(Exclude) ?? Array.Empty<string>())
                .SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            return new PruneOptions
            {
                Method = method, Scope = scope, Sparsity = sparsity.Value, Pattern = pattern, Seed = parse.GetValue(Seed),
                Norm = norm == "l2" ? PruneNorm.L2 : PruneNorm.L1, Exclude = exclude, KeepFirstLast = parse.GetValue(KeepFirstLast),
            };
        }
    }
}
