using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Pruning
{
    /// <summary>
    /// One-shot pruning of an <see cref="OnnxModel"/>: <see cref="PruneModel"/> computes masks with a criterion and
    /// a pattern, applies them, and for structured pruning removes the dead neurons from the graph.
    /// <see cref="ComputeMasks"/> and <see cref="ApplyMasks"/> are separate for callers that prune gradually.
    /// </summary>
    public static class Pruner
    {
        public static PruneResult PruneModel(OnnxModel model, PruneOptions options, IPruningCriterion? criterion = null)
        {
            var copy = Clone(model);
            var layers = LayerFinder.Find(copy);
            var nonzerosBefore = layers.Select(l => l.ReadMatrix().Count(w => w != 0f)).ToArray();
            var shapesBefore = layers.Select(l => (l.Outputs, l.Inputs)).ToArray();
            // Why structured pruning leaves a layer alone, read before removal changes the graph.
            var notes = layers.Select(l => options.Method == PruneMethod.Structured && StructuredRemoval.FindChain(copy, l, layers, out string why) == null ? why : null).ToArray();
            var masks = ComputeMasks(copy, layers, options, criterion);
            // Before removal: afterwards a pruned layer's chain no longer matches the shapes read before it shrank.
            var participating = Participating(copy, layers, options);
            var matrices = ApplyMasks(layers, masks);
            int removed = options.Method == PruneMethod.Structured && options.PhysicalRemoval
                ? StructuredRemoval.Remove(copy, layers, matrices)
                : 0;

            var after = LayerFinder.Find(copy);
            var reports = layers.Select((l, i) => new LayerPruneReport(l.Name, l.Node.OpType, participating.Contains(l),
                shapesBefore[i].Outputs, shapesBefore[i].Inputs, after[i].Outputs, after[i].Inputs,
                nonzerosBefore[i], after[i].ReadMatrix().Count(w => w != 0f), participating.Contains(l) ? null : notes[i])).ToList();
            return new PruneResult(copy, masks, reports, removed);
        }

        /// <summary>Masks for every prunable layer of <paramref name="model"/> (all true for layers not pruned), over their current shapes.</summary>
        public static IReadOnlyList<LayerMask> ComputeMasks(OnnxModel model, PruneOptions options, IPruningCriterion? criterion = null) =>
            ComputeMasks(model, LayerFinder.Find(model), options, criterion);

        /// <summary>Zeroes the masked weights in place; returns the masked matrices ([outputs][inputs]) by layer index.</summary>
        public static IReadOnlyList<float[]> ApplyMasks(IReadOnlyList<PrunableLayer> layers, IReadOnlyList<LayerMask> masks)
        {
            var result = new List<float[]>(layers.Count);
            foreach (var layer in layers)
            {
                var m = layer.ReadMatrix();
                var mask = masks.FirstOrDefault(x => ReferenceEquals(x.Layer, layer))
                    ?? throw new ArgumentException($"no mask for layer '{layer.Name}'", nameof(masks));
                if (mask.Keep.Length != m.Length) throw new ArgumentException($"the mask of layer '{layer.Name}' has {mask.Keep.Length} entries for {m.Length} weights", nameof(masks));
                if (mask.Keep.Any(k => !k))
                {
                    for (int i = 0; i < m.Length; i++) if (!mask.Keep[i]) m[i] = 0f;
                    layer.WriteMatrix(m, layer.Outputs, layer.Inputs);
                }
                result.Add(m);
            }
            return result;
        }

        /// <summary>A deep copy (through the writer and reader), so that pruning never touches the caller's model.</summary>
        public static OnnxModel Clone(OnnxModel model) => OnnxReader.Read(OnnxWriter.Write(model));

        private static IReadOnlyList<LayerMask> ComputeMasks(OnnxModel model, IReadOnlyList<PrunableLayer> layers, PruneOptions options, IPruningCriterion? criterion)
        {
            Validate(options);
            if (layers.Count == 0)
                throw new PruningException(PruningError.NothingToPrune, "the model has no layer with constant weights (Gemm, MatMul or Conv) to prune");
            foreach (string name in options.Exclude)
                if (!layers.Any(l => l.IsNamed(name)))
                    throw new PruningException(PruningError.UnknownLayer, $"no layer named '{name}'; the layers are: {string.Join(", ", layers.Select(l => l.Name))}");

            var chosen = Participating(model, layers, options);
            if (chosen.Count == 0)
                throw new PruningException(PruningError.NothingToPrune, options.Method == PruneMethod.Structured
                    ? "no layer left whose neurons can be removed (structured pruning needs a dense layer or group-1 conv that feeds another through elementwise ops only; the last layer's outputs are the model's): " +
                      string.Join("; ", layers.Select(l => options.Exclude.Any(l.IsNamed) || (options.KeepFirstLast && (l.Index == 0 || l.Index == layers.Count - 1)) ? $"{l.Name}: excluded"
                          : StructuredRemoval.FindChain(model, l, layers, out string why) == null ? $"{l.Name}: {why}" : $"{l.Name}: excluded"))
                    : "every layer is excluded: nothing left to prune");

            criterion ??= options.Method == PruneMethod.Random ? new RandomCriterion(options.Seed) : new MagnitudeCriterion();
            var matrices = chosen.Select(l => l.ReadMatrix()).ToList();
            var scores = chosen.Select((l, i) => criterion.Score(l.Index, matrices[i], l.Outputs, l.Inputs)).ToList();
            var chosenMasks = MaskBuilder.Build(chosen, matrices, scores, options);
            return layers.Select(l => chosenMasks.FirstOrDefault(m => ReferenceEquals(m.Layer, l))
                ?? new LayerMask(l, Enumerable.Repeat(true, l.WeightCount).ToArray())).ToList();
        }

        private static List<PrunableLayer> Participating(OnnxModel model, IReadOnlyList<PrunableLayer> layers, PruneOptions options)
        {
            var chosen = layers.Where(l => !options.Exclude.Any(l.IsNamed)).ToList();
            if (options.KeepFirstLast && layers.Count > 0)
                chosen.RemoveAll(l => l.Index == 0 || l.Index == layers.Count - 1);
            if (options.Method == PruneMethod.Structured)
                chosen.RemoveAll(l => StructuredRemoval.FindChain(model, l, layers) == null);
            return chosen;
        }

        private static void Validate(PruneOptions options)
        {
            if (options.Pattern.Kind == PatternKind.NOfM)
            {
                if (options.Method == PruneMethod.Structured)
                    throw new PruningException(PruningError.ImpossibleSparsity, "structured pruning removes whole neurons; it takes no N:M or block pattern");
                return;
            }
            if (options.Method == PruneMethod.Structured && options.Pattern.Kind != PatternKind.Unstructured)
                throw new PruningException(PruningError.ImpossibleSparsity, "structured pruning removes whole neurons; it takes no N:M or block pattern");
            if (double.IsNaN(options.Sparsity) || options.Sparsity < 0 || options.Sparsity >= 1)
                throw new PruningException(PruningError.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture,
                    "sparsity {0} is impossible: it is the fraction of weights removed, at least 0 and below 1 (e.g. 0.9)", options.Sparsity));
        }
    }
}
