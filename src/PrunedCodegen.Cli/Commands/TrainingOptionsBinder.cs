using System;
using System.CommandLine;
using System.Globalization;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using PrunedCodegen.Training.Fitting;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>The training options shared by finetune, prune (its fine-tunes) and sweep (its fine-tunes), and their translation into <see cref="TrainingOptions"/>.</summary>
    internal sealed class TrainingOptionsBinder
    {
        /// <param name="scheduleName">"--schedule" in finetune; prune's --schedule is oneshot|gradual, so there (and in sweep) it is "--lr-schedule".</param>
        /// <param name="trainingDataOnly">
        /// Sweep's --data, --labels and --label-column describe its test data; there the training labels are --train-labels
        /// and the label column is the sweep's own.
        /// </param>
        public TrainingOptionsBinder(string scheduleName, bool trainingDataOnly = false)
        {
            Schedule = scheduleName == "--schedule"
                ? new Option<string>("--schedule", "--lr-schedule") { Description = LearningRateHelp, DefaultValueFactory = _ => "constant" }
                : new Option<string>(scheduleName) { Description = LearningRateHelp, DefaultValueFactory = _ => "constant" };
            _trainingDataOnly = trainingDataOnly;
            Labels = trainingDataOnly
                ? new Option<string?>("--train-labels") { Description = "Labels of --train-data in their own file (.csv with one column, or .npy), one per sample." }
                : new Option<string?>("--labels") { Description = "Labels in their own file (.csv with one column, or .npy), one per sample." };
        }

        private readonly bool _trainingDataOnly;

        private const string LearningRateHelp = "Learning rate per epoch: constant, step (halved at every third of the epochs), or cosine (annealed towards 0).";

        public Option<string?> Labels { get; }
        public Option<string?> LabelColumn { get; } = new Option<string?>("--label-column") { Description = "The CSV column holding the label (header name or 0-based index); default: a column named 'label'." };
        public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = "adam or sgd (with --momentum).", DefaultValueFactory = _ => "adam" };
        public Option<float?> LearningRate { get; } = new Option<float?>("--lr") { Description = "Base learning rate (default: 0.001 for adam, 0.05 for sgd)." };
        public Option<float> Momentum { get; } = new Option<float>("--momentum") { Description = "SGD momentum, in [0, 1).", DefaultValueFactory = _ => 0.9f };
        public Option<int> BatchSize { get; } = new Option<int>("--batch-size") { Description = "Samples per mini-batch.", DefaultValueFactory = _ => 32 };
        public Option<string> Schedule { get; }
        public Option<double> Validation { get; } = new Option<double>("--validation") { Description = "Fraction of the data held out (seeded shuffle) for validation loss and accuracy, in [0, 1); the epoch of lowest validation loss is kept.", DefaultValueFactory = _ => 0.1 };
        public Option<int> Patience { get; } = new Option<int>("--patience") { Description = "Stop after this many epochs without a lower validation loss (0: never stop early).", DefaultValueFactory = _ => 0 };
        public Option<string> Regularize { get; } = new Option<string>("--regularize") { Description = "Penalty on the weights during training: none, l1 (pushes weights to exactly small values) or l2.", DefaultValueFactory = _ => "none" };
        public Option<float> Lambda { get; } = new Option<float>("--lambda") { Description = "Strength of --regularize.", DefaultValueFactory = _ => 1e-4f };
        public Option<string> Loss { get; } = new Option<string>("--loss") { Description = "auto (cross-entropy on labels; on probabilities when the model ends in Softmax), cross-entropy, or mse (against one-hot labels).", DefaultValueFactory = _ => "auto" };

        public void AddTo(Command command)
        {
            command.Add(Labels);
            if (!_trainingDataOnly) command.Add(LabelColumn);
            command.Add(Optimizer);
            command.Add(LearningRate);
            command.Add(Momentum);
            command.Add(BatchSize);
            command.Add(Schedule);
            command.Add(Validation);
            command.Add(Patience);
            command.Add(Regularize);
            command.Add(Lambda);
            command.Add(Loss);
        }

        /// <summary>The options for <paramref name="epochs"/> epochs; every malformed value is a usage error (exit code 2).</summary>
        public TrainingOptions Bind(ParseResult parse, int epochs, int seed)
        {
            if (epochs < 0) throw Usage($"--epochs {epochs}: give 0 or more epochs");
            var optimizer = parse.GetValue(Optimizer)!.Trim().ToLowerInvariant() switch
            {
                "adam" => OptimizerKind.Adam,
                "sgd" => OptimizerKind.Sgd,
                string other => throw Usage($"--optimizer '{other}' is not one of adam, sgd"),
            };
            float rate = parse.GetValue(LearningRate) ?? (optimizer == OptimizerKind.Adam ? 1e-3f : 0.05f);
            if (!(rate > 0) || float.IsInfinity(rate)) throw Usage($"--lr {Text(rate)}: the learning rate must be a positive number");
            float momentum = parse.GetValue(Momentum);
            if (!(momentum >= 0 && momentum < 1)) throw Usage($"--momentum {Text(momentum)}: give a value in [0, 1)");
            int batch = parse.GetValue(BatchSize);
            if (batch <= 0) throw Usage($"--batch-size {batch}: give a positive number of samples");
            double validation = parse.GetValue(Validation);
            if (!(validation >= 0 && validation < 1)) throw Usage($"--validation {validation.ToString(CultureInfo.InvariantCulture)}: give a fraction in [0, 1)");
            int patience = parse.GetValue(Patience);
            if (patience < 0) throw Usage($"--patience {patience}: give 0 (never stop early) or more epochs");
            if (patience > 0 && validation == 0) throw Usage("--patience needs a validation split (--validation above 0)");
            var schedule = parse.GetValue(Schedule)!.Trim().ToLowerInvariant() switch
            {
                "constant" => LearningRateSchedule.Constant,
                "step" => LearningRateSchedule.Step(Math.Max(1, epochs / 3), 0.5f),
                "cosine" => LearningRateSchedule.Cosine(),
                string other => throw Usage($"{Schedule.Name} '{other}' is not one of constant, step, cosine"),
            };
            var regularization = parse.GetValue(Regularize)!.Trim().ToLowerInvariant() switch
            {
                "none" => Regularization.None,
                "l1" => Regularization.L1,
                "l2" => Regularization.L2,
                string other => throw Usage($"--regularize '{other}' is not one of none, l1, l2"),
            };
            float lambda = parse.GetValue(Lambda);
            if (!(lambda >= 0) || float.IsInfinity(lambda)) throw Usage($"--lambda {Text(lambda)}: give a number ≥ 0");
            return new TrainingOptions
            {
                Epochs = epochs, BatchSize = batch, LearningRate = rate, Optimizer = optimizer, Momentum = momentum, Schedule = schedule,
                ValidationFraction = validation, Patience = patience, Seed = seed, KeepZeros = true,
                Regularization = regularization, Lambda = lambda,
            };
        }

        public LossChoice BindLoss(ParseResult parse) => parse.GetValue(Loss)!.Trim().ToLowerInvariant() switch
        {
            "auto" => LossChoice.Auto,
            "cross-entropy" or "crossentropy" or "ce" => LossChoice.CrossEntropy,
            "mse" => LossChoice.MeanSquaredError,
            string other => throw Usage($"--loss '{other}' is not one of auto, cross-entropy, mse"),
        };

        private static UserErrorException Usage(string message) => new UserErrorException(ExitCodes.Usage, message);

        private static string Text(float value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
