using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Models.DepthwisePlanesModelTests;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Depthwise convolutions (group = channels, one filter each) through the channels-vectorised kernel
    /// (Kernel=dwchannels forces it; auto where the cost model picks it) over awkward sizes: odd maps, stride 2,
    /// asymmetric, SAME and VALID pads (DS-CNN's TF SAME pads), dilation, 1-D and 2-D, 3x3 and other kernels, channel
    /// counts below, at and past a vector (1, 3, 8, 17, 33, 64), zero weights (0/50/90/100%) and all-zero filters,
    /// NaN/inf inputs, fused ReLU/Clip and unfused activations, batch 1/2/7, compared with ONNX Runtime. Category Kernels:
    /// CI runs these once per instruction set (17 and 33 channels take the overlapping last vector at every width).
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DepthwiseChannelsModelTests
    {
        // channels, spatial, kernel, stride, pads, dilation, auto_pad, zero fraction, activation, batch
        [Theory]
        [InlineData(17, "7,9", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]
        [InlineData(3, "11,13", "3,3", 2, "1,1,1,1", 1, "NOTSET", 0.0, "relu6", 2)]
        [InlineData(64, "25,5", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 1)]      // DS-CNN
        [InlineData(64, "25,5", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "relu", 7)]      // DS-CNN, half the weights zero
        [InlineData(8, "48,48", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu6", 1)]     // MobileNet first depthwise layer
        [InlineData(16, "48,48", "3,3", 2, "0,0,1,1", 1, "NOTSET", 0.0, "relu6", 1)]    // MobileNet stride 2, TF SAME pads
        [InlineData(33, "6,6", "3,3", 1, "", 1, "SAME_UPPER", 0.5, "clip", 7)]
        [InlineData(17, "3,3", "3,3", 2, "", 1, "SAME_LOWER", 0.0, "none", 2)]
        [InlineData(3, "9,10", "3,3", 1, "", 1, "VALID", 0.0, "sigmoid", 2)]
        [InlineData(33, "12,11", "3,3", 1, "2,2,2,2", 2, "NOTSET", 0.3, "relu", 1)]     // dilation 2
        [InlineData(17, "15,16", "5,5", 2, "2,1,1,2", 1, "NOTSET", 0.0, "relu", 2)]    // asymmetric pads, 5x5
        [InlineData(17, "49,10", "10,4", 2, "4,1,5,1", 1, "NOTSET", 0.0, "relu", 2)]   // DS-CNN's first-layer window (SAME 4,1,5,1) as a depthwise
        [InlineData(3, "8,8", "3,1", 1, "1,0,1,0", 1, "NOTSET", 0.0, "none", 1)]
        [InlineData(1, "5,7", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 7)]       // one channel (group 1): scalar
        [InlineData(17, "2,2", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 2)]      // 4 positions
        [InlineData(17, "1,1", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.0, "clip", 2)]      // one position
        [InlineData(17, "7,7", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.9, "relu", 2)]
        [InlineData(3, "7,7", "3,3", 1, "1,1,1,1", 1, "NOTSET", 1.0, "relu", 2)]       // every weight zero: the bias
        [InlineData(3, "50", "3", 1, "1,1", 1, "NOTSET", 0.0, "relu", 2)]             // 1-D
        [InlineData(17, "37", "5", 2, "2,1", 1, "NOTSET", 0.5, "none", 7)]            // 1-D, stride 2, asymmetric
        [InlineData(33, "13,9", "3,3", 2, "0,0,0,0", 1, "NOTSET", 0.0, "relu", 1)]     // unpadded, stride 2: rows and columns past the last window unread
        [InlineData(3, "96,96", "3,3", 2, "0,0,1,1", 1, "NOTSET", 0.0, "relu6", 1)]
        [InlineData(64, "9,70", "3,3", 1, "1,1,1,1", 1, "NOTSET", 0.5, "relu", 2)]     // a padded row wider than a stage band: bands of one output row
        [InlineData(40, "11,60", "5,3", 2, "2,1,2,1", 1, "NOTSET", 0.0, "relu6", 1)]   // the same at stride 2 with a 5-row window
        public void Depthwise_channels_match_ORT(int c, string spatialCsv, string kernelCsv, int stride, string pads, int dilation, string autoPad,
            double zeroFraction, string activation, int batch)
        {
            long[] spatial = Csv(spatialCsv), kernel = Csv(kernelCsv);
            var builder = Depthwise(c, spatial, kernel, stride, pads, dilation, autoPad, zeroFraction, activation, c * 7 + (int)spatial[0]);
            string source = AssertMatchesOrt(builder, c, spatial, batch, KernelChoice.DepthwiseChannels);
            Assert.Contains("Kernels.ConvDepthwiseChannels(", source);
            Assert.Contains("conv depthwise channels SIMD", source);
            if (activation is "relu" or "relu6" or "clip")
            {
                Assert.DoesNotContain("Kernels.Relu(", source);
                Assert.DoesNotContain("Kernels.Clip(", source);
            }
        }

        /// <summary>NaN and infinities in the input propagate as in ONNX Runtime, padding and the all-zero filter included.</summary>
        [Theory]
        [InlineData("relu", 1, 1, 17)]
        [InlineData("relu6", 2, 2, 33)]
        [InlineData("none", 7, 1, 3)]
        public void Depthwise_channels_with_NaN_and_infinity_match_ORT(string activation, int batch, int stride, int channels)
        {
            long[] spatial = { 9, 11 };
            AssertMatchesOrt(Depthwise(channels, spatial, new long[] { 3, 3 }, stride, "1,1,1,1", 1, "NOTSET", 0.0, activation, 5), channels, spatial, batch,
                KernelChoice.DepthwiseChannels, specials: true);
        }

        /// <summary>Auto takes the channels kernel for the DS-CNN and MobileNet depthwise layers and names it with its estimate.</summary>
        [Theory]
        [InlineData(64, "25,5", 1)]
        [InlineData(128, "6,6", 1)]
        [InlineData(256, "3,3", 1)]
        public void Auto_picks_the_channels_kernel(int c, string spatialCsv, int stride)
        {
            long[] spatial = Csv(spatialCsv);
            string source = AssertMatchesOrt(Depthwise(c, spatial, new long[] { 3, 3 }, stride, "1,1,1,1", 1, "NOTSET", 0.0, "relu", 3), c, spatial, 1, KernelChoice.Auto);
            Assert.Contains("Kernels.ConvDepthwiseChannels(", source);
            Assert.Contains(", depthwise channels ", source);
        }
    }
}
