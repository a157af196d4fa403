using System;

namespace PrunedCodegen.Training.Fitting;

/// <summary>The learning rate for each epoch (0-based), from the base rate.</summary>
public abstract class LearningRateSchedule
{
    public abstract float At(int epoch, int epochs, float baseRate);

    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>The rate times <paramref name="gamma"/> every <paramref name="stepEpochs"/> epochs.</summary>
    public static LearningRateSchedule Step(int stepEpochs, float gamma) => new StepSchedule(stepEpochs, gamma);

    /// <summary>Cosine annealing from the base rate (epoch 0) towards <paramref name="minRate"/> (after the last epoch).</summary>
    public static LearningRateSchedule Cosine(float minRate = 0f) => new CosineSchedule(minRate);

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override float At(int epoch, int epochs, float baseRate) => baseRate;
    }

    private sealed class StepSchedule(int stepEpochs, float gamma) : LearningRateSchedule
    {
        public override float At(int epoch, int epochs, float baseRate) =>
            baseRate * MathF.Pow(gamma, epoch / Math.Max(stepEpochs, 1));
    }

    private sealed class CosineSchedule(float minRate) : LearningRateSchedule
    {
        public override float At(int epoch, int epochs, float baseRate) =>
            minRate + (baseRate - minRate) * 0.5f * (1f + MathF.Cos(MathF.PI * epoch / Math.Max(epochs, 1)));
    }
}
