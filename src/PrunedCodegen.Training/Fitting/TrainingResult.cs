using System.Collections.Generic;

namespace PrunedCodegen.Training.Fitting;

/// <summary>One epoch's figures. Validation figures are NaN when there is no validation split.</summary>
public sealed record EpochReport(int Epoch, int Epochs, float LearningRate, double TrainLoss, double ValidationLoss,
    double ValidationAccuracy, double Seconds);

/// <summary>The epochs run, the one whose parameters were kept, and whether early stopping ended training.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, int BestEpoch, bool StoppedEarly);

/// <summary>Loss and accuracy (NaN for regression) over a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);
