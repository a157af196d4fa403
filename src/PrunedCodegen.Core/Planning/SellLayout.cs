using System;
using System.Collections.Generic;
using PrunedCodegen.Graph;

namespace PrunedCodegen.Planning
{
    /// <summary>
    /// The build-time layout of the SELL-16 kernel (<see cref="KernelKind.Sell"/>, Runtime/SellKernels.cs): output rows
    /// sorted by nonzero count (most first; ties by row, so the layout is deterministic) and taken 16 at a time; inputs cut
    /// into tiles of 32. For each group and each tile where one of its rows has a nonzero, as many slots as the group's
    /// busiest row has nonzeros in the tile; slot j holds each row's j-th nonzero of the tile and its lane 0-31 as a byte.
    /// A row with fewer nonzeros is padded with weight 0 at a lane it does not read (in the last, partial tile: lane 31,
    /// past the inputs, which the kernel reads as 0), so a NaN or infinity input reaches a padded row only where the
    /// model itself multiplies it by 0, as ONNX Runtime's dense product does.
    /// </summary>
    internal sealed class SellLayout
    {
        public const int GroupRows = 16;
        public const int TileInputs = 32;

        private SellLayout(int groups, int inputTiles, int busyTiles, int slots, int nonzeros)
        {
            Groups = groups;
            InputTiles = inputTiles;
            BusyTiles = busyTiles;
            Slots = slots;
            Nonzeros = nonzeros;
        }

        public int Groups { get; }
        public int InputTiles { get; }
        /// <summary>(group, tile) pairs with a nonzero: the ones the kernel visits.</summary>
        public int BusyTiles { get; }
        /// <summary>Slots over all busy tiles: one permute and one 16-wide FMA each.</summary>
        public int Slots { get; }
        public int Nonzeros { get; }
        /// <summary>Fraction of the slots' 16 lanes that are padding.</summary>
        public double Padding => Slots == 0 ? 0 : 1 - (double)Nonzeros / ((double)Slots * GroupRows);

        /// <summary>Slot weights, 16 per slot, group by group, busy tile by busy tile.</summary>
        public float[] Weights { get; private set; } = Array.Empty<float>();
        /// <summary>Slot lanes, 16 bytes per slot packed little-endian into 4 ints.</summary>
        public int[] Lanes { get; private set; } = Array.Empty<int>();
        /// <summary>Per busy tile: tile index &lt;&lt; 6 | slots.</summary>
        public int[] Tiles { get; private set; } = Array.Empty<int>();
        /// <summary>Per group, its first entry in <see cref="Tiles"/>; Groups + 1 entries.</summary>
        public int[] GroupStarts { get; private set; } = Array.Empty<int>();
        /// <summary>Sorted position -> original output row (N entries).</summary>
        public int[] Rows { get; private set; } = Array.Empty<int>();
        /// <summary>The bias in sorted order, 16 per group (0 for padding rows and for a layer without bias).</summary>
        public float[] Bias { get; private set; } = Array.Empty<float>();

        /// <summary>Sorted position -> original row: by nonzero count, most first; ties by row (deterministic).</summary>
        public static int[] RowOrder(DenseOp op)
        {
            int n = op.N, k = op.K;
            var rowNonzeros = new int[n];
            for (int r = 0; r < n; r++)
                for (int c = 0; c < k; c++)
                    if (op.Weights[r * k + c] != 0f) rowNonzeros[r]++;
            var order = new int[n];
            for (int r = 0; r < n; r++) order[r] = r;
            Array.Sort(order, (a, b) => rowNonzeros[a] != rowNonzeros[b] ? rowNonzeros[b].CompareTo(rowNonzeros[a]) : a.CompareTo(b));
            return order;
        }

        /// <summary>Whether the rows are already in sorted order (the kernel then stores its groups in place, no scatter).</summary>
        public bool Sorted
        {
            get
            {
                for (int i = 0; i < Rows.Length; i++)
                    if (Rows[i] != i) return false;
                return true;
            }
        }

        /// <summary>The counts only (planning); <paramref name="withData"/> fills the arrays too (emitting).</summary>
        public static SellLayout Build(DenseOp op, bool withData)
        {
            int n = op.N, k = op.K;
            int groups = (n + GroupRows - 1) / GroupRows, inputTiles = (k + TileInputs - 1) / TileInputs;
            var order = RowOrder(op);

            var weights = withData ? new List<float>() : null;
            var lanes = withData ? new List<byte>() : null;
            var tiles = new List<int>();
            var groupStarts = new int[groups + 1];
            int slots = 0, nonzeros = 0;
            var counts = new int[GroupRows];
            for (int g = 0; g < groups; g++)
            {
                groupStarts[g] = tiles.Count;
                int real = Math.Min(GroupRows, n - g * GroupRows);
                for (int t = 0; t < inputTiles; t++)
                {
                    int start = t * TileInputs, width = Math.Min(TileInputs, k - start);
                    int most = 0;
                    for (int i = 0; i < real; i++)
                    {
                        int row = order[g * GroupRows + i], c = 0;
                        for (int j = 0; j < width; j++)
                            if (op.Weights[row * k + start + j] != 0f) c++;
                        counts[i] = c;
                        nonzeros += c;
                        most = Math.Max(most, c);
                    }
                    if (most == 0) continue;
                    tiles.Add(t << 6 | most);
                    slots += most;
                    if (!withData) continue;
                    // Per row: its nonzeros' lanes in order, then padding lanes (a lane it does not read, or 31 past the inputs).
                    var slotWeights = new float[most * GroupRows];
                    var slotLanes = new byte[most * GroupRows];
                    for (int i = 0; i < GroupRows; i++)
                    {
                        int s = 0;
                        byte pad = width < TileInputs ? (byte)(TileInputs - 1) : (byte)0;
                        bool padFound = width < TileInputs;
                        if (i < real)
                        {
                            int row = order[g * GroupRows + i];
                            for (int j = 0; j < width; j++)
                            {
                                float w = op.Weights[row * k + start + j];
                                if (w != 0f)
                                {
                                    slotWeights[s * GroupRows + i] = w;
                                    slotLanes[s * GroupRows + i] = (byte)j;
                                    s++;
                                }
                                else if (!padFound) { pad = (byte)j; padFound = true; }
                            }
                        }
                        for (; s < most; s++) slotLanes[s * GroupRows + i] = pad;
                    }
                    weights!.AddRange(slotWeights);
                    lanes!.AddRange(slotLanes);
                }
            }
            groupStarts[groups] = tiles.Count;
            var layout = new SellLayout(groups, inputTiles, tiles.Count, slots, nonzeros);
            if (!withData) return layout;

            var packed = new int[lanes!.Count / 4];
            for (int i = 0; i < packed.Length; i++)
                packed[i] = lanes[4 * i] | lanes[4 * i + 1] << 8 | lanes[4 * i + 2] << 16 | lanes[4 * i + 3] << 24;
            var bias = new float[groups * GroupRows];
            if (op.Bias != null)
                for (int i = 0; i < n; i++) bias[i] = op.Bias[order[i]];
            layout.Weights = weights!.ToArray();
            layout.Lanes = packed;
            layout.Tiles = tiles.ToArray();
            layout.GroupStarts = groupStarts;
            layout.Rows = order;
            layout.Bias = bias;
            return layout;
        }
    }
}
