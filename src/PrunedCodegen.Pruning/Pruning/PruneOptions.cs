using System;
using System.Collections.Generic;

namespace PrunedCodegen.Pruning
{
    public enum PruneMethod
    {
        /// <summary>Remove the weights (or groups) of smallest magnitude.</summary>
        Magnitude,
        /// <summary>Remove weights (or groups) chosen at random: the baseline every criterion must beat.</summary>
        Random,
        /// <summary>Remove whole neurons (rows of a dense layer, filters of a conv) of smallest norm, physically.</summary>
        Structured,
    }

    public enum PruneScope
    {
        /// <summary>One threshold over all pruned layers: layers with small weights lose more.</summary>
        Global,
        /// <summary>Every layer loses the same fraction.</summary>
        Layer,
    }

    /// <summary>How a group of weights (block, neuron) is scored from its members' magnitudes.</summary>
    public enum PruneNorm
    {
        /// <summary>Mean absolute value.</summary>
        L1,
        /// <summary>Root mean square.</summary>
        L2,
    }

    /// <summary>What to prune and how much. <see cref="Sparsity"/> is the fraction of weights removed (of neurons, for structured).</summary>
    public sealed record PruneOptions
    {
        public PruneMethod Method { get; init; } = PruneMethod.Magnitude;

        /// <summary>Fraction in [0, 1). Ignored by N:M patterns, whose sparsity is 1 - N/M.</summary>
        public double Sparsity { get; init; } = 0.5;

        public PruneScope Scope { get; init; } = PruneScope.Global;
        public PruneNorm Norm { get; init; } = PruneNorm.L1;
        public PruningPattern Pattern { get; init; } = PruningPattern.Unstructured;
        public int Seed { get; init; }

        /// <summary>Layer names (node or weight initializer names) left untouched.</summary>
        public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();

        /// <summary>Leave the first and last prunable layers untouched (they are usually the most sensitive).</summary>
        public bool KeepFirstLast { get; init; }

        /// <summary>For structured pruning: remove the neurons from the graph (true) or only zero their weights (false).</summary>
        public bool PhysicalRemoval { get; init; } = true;
    }
}
