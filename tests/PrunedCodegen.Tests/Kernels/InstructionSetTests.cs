using System;
using System.Runtime.Intrinsics;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// CI runs the kernel tests (Category=Kernels) again under DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and
    /// DOTNET_EnableHWIntrinsic=0. This test prints which vector widths the process really has and fails if
    /// the switch did not take effect, so a green run always means the intended code path was tested.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class InstructionSetTests
    {
        private readonly ITestOutputHelper _output;

        public InstructionSetTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Process_has_the_vector_widths_its_environment_asks_for()
        {
            string? Env(string name) => Environment.GetEnvironmentVariable(name);
            _output.WriteLine($"Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} " +
                $"(DOTNET_EnableAVX512={Env("DOTNET_EnableAVX512")}, DOTNET_EnableAVX2={Env("DOTNET_EnableAVX2")}, DOTNET_EnableHWIntrinsic={Env("DOTNET_EnableHWIntrinsic")})");
            Console.WriteLine($"[isa] Vector512={Vector512.IsHardwareAccelerated} Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated}");
            if (Env("DOTNET_EnableHWIntrinsic") == "0")
                Assert.False(Vector128.IsHardwareAccelerated || Vector256.IsHardwareAccelerated || Vector512.IsHardwareAccelerated);
            if (Env("DOTNET_EnableAVX2") == "0")
                Assert.False(Vector256.IsHardwareAccelerated || Vector512.IsHardwareAccelerated);
            if (Env("DOTNET_EnableAVX512") == "0")
                Assert.False(Vector512.IsHardwareAccelerated);
            if (Env("PCG_EXPECT_VECTOR512") == "1")
                Assert.True(Vector512.IsHardwareAccelerated, "this run was meant to exercise the Vector512 paths");
        }
    }
}
