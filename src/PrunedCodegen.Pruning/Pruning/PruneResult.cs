using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Pruning
{
    /// <summary>One layer before and after pruning; <see cref="Note"/>: why structured pruning left it alone (e.g. a grouped conv).</summary>
    public sealed record LayerPruneReport(string Name, string OpType, bool Pruned, int OutputsBefore, int InputsBefore,
        int OutputsAfter, int InputsAfter, int NonzerosBefore, int NonzerosAfter, string? Note = null)
    {
        public int WeightsBefore => OutputsBefore * InputsBefore;
        public int WeightsAfter => OutputsAfter * InputsAfter;

        /// <summary>Fraction of the original weights that are now zero or gone.</summary>
        public double Sparsity => WeightsBefore == 0 ? 0 : 1 - (double)NonzerosAfter / WeightsBefore;
    }

    /// <summary>The pruned model (a new object: the input is untouched), the masks used, and a report per layer.</summary>
    public sealed class PruneResult
    {
        internal PruneResult(OnnxModel model, IReadOnlyList<LayerMask> masks, IReadOnlyList<LayerPruneReport> layers, int removedNeurons)
        {
            Model = model; Masks = masks; Layers = layers; RemovedNeurons = removedNeurons;
        }

        public OnnxModel Model { get; }

        /// <summary>The masks, over the original shapes, of every prunable layer (all true for layers left alone).</summary>
        public IReadOnlyList<LayerMask> Masks { get; }

        public IReadOnlyList<LayerPruneReport> Layers { get; }

        /// <summary>Neurons physically removed (structured pruning).</summary>
        public int RemovedNeurons { get; }

        /// <summary>Fraction of all weights of the original layers now zero or removed.</summary>
        public double Sparsity
        {
            get
            {
                long total = Layers.Sum(l => (long)l.WeightsBefore);
                return total == 0 ? 0 : 1 - (double)Layers.Sum(l => (long)l.NonzerosAfter) / total;
            }
        }
    }
}
