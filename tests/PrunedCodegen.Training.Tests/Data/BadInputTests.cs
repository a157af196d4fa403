using System.IO;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Graph;
using PrunedCodegen.Training.Tests.Infrastructure;
using PrunedCodegen.Training.Fitting;

namespace PrunedCodegen.Training.Tests.Data;

/// <summary>Bad data and unsupported models end in a <see cref="TrainingException"/> that says what and where.</summary>
public sealed class BadInputTests
{
    private static TrainingException ReadFails(string csv) =>
        Assert.Throws<TrainingException>(() => LabeledData.ReadCsv(new StringReader(csv), "data.csv"));

    [Fact]
    public void A_row_of_the_wrong_width_names_its_line()
    {
        TrainingException e = ReadFails("label,p0,p1\n1,0.5,0.25\n2,0.5\n");
        Assert.Contains("line 3", e.Message);
        Assert.Contains("2 values, but the header has 3 columns", e.Message);
    }

    [Theory]
    [InlineData("1,NaN,0.5", "column 2")]
    [InlineData("1,0.5,abc", "column 3")]
    [InlineData("1,Infinity,0", "column 2")]
    public void A_value_that_is_not_a_finite_number_names_its_line_and_column(string row, string column)
    {
        TrainingException e = ReadFails("label,p0,p1\n" + row + "\n");
        Assert.Contains("line 2, " + column, e.Message);
        Assert.Contains("not a finite number", e.Message);
    }

    [Theory]
    [InlineData("-1,0,0")]
    [InlineData("1.5,0,0")]
    public void A_label_that_is_not_a_class_index_is_rejected(string row)
    {
        Assert.Contains("is not a class index", ReadFails("label,p0,p1\n" + row + "\n").Message);
    }

    [Fact]
    public void A_label_beyond_the_model_classes_is_rejected_when_training()
    {
        var data = LabeledData.ReadCsv(new StringReader("label,a,b,c\n0,1,2,3\n4,1,2,3\n"), "data.csv");
        TrainableGraph graph = TrainableGraph.Load(ModelBuilder.Mlp(3, 4, 4, seed: 1).Build());
        TrainingException e = Assert.Throws<TrainingException>(() => Trainer.Fit(graph, data, new TrainingOptions { ValidationFraction = 0 }));
        Assert.Contains("Label 4", e.Message);
        Assert.Contains("4 output classes", e.Message);
    }

    [Fact]
    public void Features_that_do_not_fit_the_model_input_are_rejected()
    {
        var data = LabeledData.ReadCsv(new StringReader("label,a,b\n0,1,2\n"), "data.csv");
        TrainableGraph graph = TrainableGraph.Load(ModelBuilder.Mlp(3, 4, 4, seed: 1).Build());
        TrainingException e = Assert.Throws<TrainingException>(() => Trainer.Fit(graph, data, new TrainingOptions { ValidationFraction = 0 }));
        Assert.Contains("takes 3 per sample", e.Message);
    }

    [Fact]
    public void An_unsupported_op_is_named()
    {
        byte[] onnx = new ModelBuilder().Input("x", null, 3).Output("y", null, 3)
            .Node("Exp", new[] { "x" }, new[] { "y" }, "exp").Build();
        TrainingException e = Assert.Throws<TrainingException>(() => TrainableGraph.Load(onnx));
        Assert.Contains("Exp node 'exp'", e.Message);
        Assert.Contains("not supported for training", e.Message);
    }

    [Fact]
    public void The_digits_train_fixture_reads_as_1347_labelled_rows_of_64_pixels()
    {
        LabeledData train = Fixtures.DigitsTrain;
        Assert.Equal(1347, train.Count);
        Assert.Equal(64, train.Width);
        Assert.All(train.Labels!, l => Assert.InRange(l, 0, 9));
    }
}
