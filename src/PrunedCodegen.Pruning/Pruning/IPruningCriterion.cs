namespace PrunedCodegen.Pruning
{
    /// <summary>
    /// Scores every weight of a layer: the higher the score, the more the weight matters. Masks keep the
    /// highest-scored weights or groups. A training library can plug in its own (e.g. gradient x weight).
    /// </summary>
    public interface IPruningCriterion
    {
        /// <summary>One non-negative score per weight of the row-major [outputs][inputs] <paramref name="matrix"/>.</summary>
        float[] Score(int layerIndex, float[] matrix, int outputs, int inputs);
    }

    /// <summary>|w|: the magnitude criterion (groups are then scored by their mean |w| or root mean square).</summary>
    public sealed class MagnitudeCriterion : IPruningCriterion
    {
        public float[] Score(int layerIndex, float[] matrix, int outputs, int inputs)
        {
            var s = new float[matrix.Length];
            for (int i = 0; i < s.Length; i++) s[i] = System.Math.Abs(matrix[i]);
            return s;
        }
    }

    /// <summary>Uniform random scores from a seeded generator, different per layer: the random baseline.</summary>
    public sealed class RandomCriterion : IPruningCriterion
    {
        private readonly int _seed;

        public RandomCriterion(int seed) => _seed = seed;

        public float[] Score(int layerIndex, float[] matrix, int outputs, int inputs)
        {
            var random = new System.Random(unchecked(_seed * 7919 + layerIndex));
            var s = new float[matrix.Length];
            for (int i = 0; i < s.Length; i++) s[i] = (float)random.NextDouble();
            return s;
        }
    }
}
