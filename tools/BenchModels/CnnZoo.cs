using System;
using System.Collections.Generic;

namespace BenchModels
{
    /// <summary>One real CNN architecture of the benchmark suite (issue 14): how to build it, and how PyTorch would export it.</summary>
    internal sealed record CnnArchitecture(string Family, string Description, Chw Input, bool FoldBatchNorm, bool Large, Func<CnnGraph> Build)
    {
        /// <summary>Filter pruning keeps the conv that writes the model output (the super-resolution model's sub-pixel planes).</summary>
        public bool KeepOutputFilters { get; init; }
    }

    /// <summary>
    /// The real CNN architectures (issue 14), each with a fixed seed. Sizes follow the published models
    /// (MLPerf Tiny's ResNet-8, MobileNet-v1-0.25 and DS-CNN, the ONNX model zoo's MNIST CNN, PyTorch's
    /// super-resolution example, the slim 240x320 face detector's backbone); weights are random at realistic scales
    /// (see <see cref="CnnGraph"/>), not trained.
    /// </summary>
    internal static class CnnZoo
    {
        public static readonly IReadOnlyDictionary<string, CnnArchitecture> Architectures = new Dictionary<string, CnnArchitecture>(StringComparer.Ordinal)
        {
            ["mnist_cnn"] = new("mnist_cnn", "MNIST CNN (ONNX model zoo mnist-8): Conv5x5(8)-ReLU-MaxPool2, Conv5x5(16)-ReLU-MaxPool3, Linear(256->10); no BN",
                new Chw(1, 28, 28), FoldBatchNorm: true, Large: false, Mnist),
            ["cifar_cnn"] = new("cifar_cnn", "CIFAR-10 CNN: [Conv3x3-BN-ReLU] x2 (12), MaxPool2, [Conv3x3-BN-ReLU] x2 (24), MaxPool2, Linear(1536->10); BN as nodes",
                new Chw(3, 32, 32), FoldBatchNorm: false, Large: false, Cifar),
            ["resnet8"] = new("resnet8", "ResNet-8 for CIFAR-10 (MLPerf Tiny IC): Conv3x3(16), 3 residual stacks (16, 32/s2, 64/s2; 1x1 shortcut convs), GlobalAveragePool, Linear(64->10); BN folded",
                new Chw(3, 32, 32), FoldBatchNorm: true, Large: false, ResNet8),
            ["mobilenet025"] = new("mobilenet025", "MobileNet-v1 0.25 at 96x96 (MLPerf Tiny VWW): Conv3x3/s2(8), 13 depthwise-separable blocks (16-256), ReLU6, GlobalAveragePool, Linear(256->2); BN folded",
                new Chw(3, 96, 96), FoldBatchNorm: true, Large: false, MobileNet025),
            ["dscnn"] = new("dscnn", "DS-CNN-S keyword spotter (MLPerf Tiny KWS): 1x49x10 MFCC, Conv10x4/s2(64), 4 depthwise-separable blocks (64), GlobalAveragePool, Linear(64->12); BN folded",
                new Chw(1, 49, 10), FoldBatchNorm: true, Large: false, DsCnn),
            ["superres"] = new("superres", "super-resolution CNN (PyTorch example) at 224x224: Conv5x5(64)-ReLU, Conv3x3(64)-ReLU, Conv3x3(32)-ReLU, Conv3x3(4); the sub-pixel DepthToSpace(2) is left out (the generator has no DepthToSpace): the output is the 4 sub-pixel planes",
                new Chw(1, 224, 224), FoldBatchNorm: true, Large: true, SuperResolution) { KeepOutputFilters = true },
            ["detector"] = new("detector", "depthwise-separable detector backbone at 240x320 (slim face detector): Conv3x3/s2(16), 13 separable blocks (32-256, 4 of them stride 2), ReLU; output the stride-32 map 256x8x10; BN folded",
                new Chw(3, 240, 320), FoldBatchNorm: true, Large: true, Detector),
        };

        private static CnnGraph Mnist()
        {
            var g = new CnnGraph(new Chw(1, 28, 28), seed: 2801);
            var x = g.MaxPool(g.Relu(g.Conv("input", 8, 5, bias: true)), 2, 2);
            x = g.MaxPool(g.Relu(g.Conv(x, 16, 5, bias: true)), 3, 3);
            g.FlattenLinear(x, 10);
            return g;
        }

        private static CnnGraph Cifar()
        {
            var g = new CnnGraph(new Chw(3, 32, 32), seed: 3203);
            var x = g.ConvBn("input", 12, 3);
            x = g.MaxPool(g.ConvBn(x, 12, 3), 2, 2);
            x = g.ConvBn(x, 24, 3);
            x = g.MaxPool(g.ConvBn(x, 24, 3), 2, 2);
            g.FlattenLinear(x, 10);
            return g;
        }

        private static CnnGraph ResNet8()
        {
            var g = new CnnGraph(new Chw(3, 32, 32), seed: 808);
            var x = g.ConvBn("input", 16, 3);
            foreach (var (filters, stride) in new[] { (16, 1), (32, 2), (64, 2) })
            {
                var y = g.ConvBn(x, filters, 3, stride);
                y = g.ConvBn(y, filters, 3, relu: false);
                var shortcut = stride == 1 ? x : g.Conv(x, filters, 1, stride, bias: true);
                x = g.Relu(g.Residual(shortcut, y));
            }
            g.FlattenLinear(g.GlobalAveragePool(x), 10);
            return g;
        }

        private static CnnGraph MobileNet025()
        {
            var g = new CnnGraph(new Chw(3, 96, 96), seed: 9625);
            var x = g.ConvBn("input", 8, 3, 2, relu6: true);
            foreach (var (filters, stride) in new[] { (16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1), (128, 1), (128, 1), (128, 1), (256, 2), (256, 1) })
                x = g.Separable(x, filters, stride, relu6: true);
            g.FlattenLinear(g.GlobalAveragePool(x), 2);
            return g;
        }

        private static CnnGraph DsCnn()
        {
            var g = new CnnGraph(new Chw(1, 49, 10), seed: 4910);
            // TensorFlow's SAME padding for a 10x4 kernel at stride 2 on 49x10: 4 rows above, 5 below, 1 column each side.
            var x = g.ConvBn("input", 64, 10, 2, kw: 4, pads: new[] { 4, 1, 5, 1 });
            for (int i = 0; i < 4; i++) x = g.Separable(x, 64, 1);
            g.FlattenLinear(g.GlobalAveragePool(x), 12);
            return g;
        }

        private static CnnGraph SuperResolution()
        {
            var g = new CnnGraph(new Chw(1, 224, 224), seed: 224);
            var x = g.Relu(g.Conv("input", 64, 5, bias: true));
            x = g.Relu(g.Conv(x, 64, 3, bias: true));
            x = g.Relu(g.Conv(x, 32, 3, bias: true));
            g.Conv(x, 4, 3, bias: true);
            return g;
        }

        private static CnnGraph Detector()
        {
            var g = new CnnGraph(new Chw(3, 240, 320), seed: 240320);
            var x = g.ConvBn("input", 16, 3, 2);
            foreach (var (filters, stride) in new[] { (32, 1), (32, 2), (32, 1), (64, 2), (64, 1), (64, 1), (64, 1), (128, 2), (128, 1), (128, 1), (256, 2), (256, 1), (256, 1) })
                x = g.Separable(x, filters, stride);
            return g;
        }
    }
}
