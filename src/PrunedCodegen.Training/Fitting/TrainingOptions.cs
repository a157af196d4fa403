namespace PrunedCodegen.Training.Fitting;

public enum OptimizerKind { Adam, Sgd }

public enum Regularization { None, L1, L2 }

/// <summary>How <see cref="Trainer.Fit"/> trains. The defaults suit fine-tuning a pruned classifier.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 32;

    public float LearningRate { get; init; } = 1e-3f;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>SGD's momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>The fraction of the data held out (after a seeded shuffle) to measure validation loss and accuracy.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Stop after this many epochs without a lower validation loss (0: never stop early).</summary>
    public int Patience { get; init; }

    /// <summary>At the end, restore the parameters of the epoch with the lowest validation loss.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Seeds the validation split and the mini-batch order: the same seed gives bit-identical weights.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Hold every parameter entry that is zero at the start (weights, and biases or BatchNorm scales a structured
    /// pruner zeroed) at exactly zero: masked fine-tuning of a pruned model.
    /// </summary>
    public bool KeepZeros { get; init; } = true;

    /// <summary>
    /// A penalty on the weights (rank ≥ 2; not biases) added to the loss: L1 = λ·Σ|w| (gradient λ·sign w), L2 =
    /// λ/2·Σw² (gradient λ·w), which pushes weights toward zero before the next pruning round.
    /// </summary>
    public Regularization Regularization { get; init; }

    public float Lambda { get; init; } = 1e-4f;
}
