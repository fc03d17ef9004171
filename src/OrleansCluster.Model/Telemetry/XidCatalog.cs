namespace OrleansCluster.Model.Telemetry;

/// <summary>
/// The XIDs the simulator reports and the <c>err_msg</c> dcgm-exporter prints beside each, as NVIDIA's "XID Errors"
/// document lists them (docs.nvidia.com/deploy/xid-errors, the table dcgm-exporter copies into its
/// <c>xidErrCodeToText</c>; docs/telemetry.md). Only the XIDs the shipped failure causes use, plus 79: a crash that
/// names none has the driver lose the GPU. An XID outside the table reads dcgm-exporter's "Unknown Error".
/// </summary>
public static class XidCatalog
{
    /// <summary>No XID: what a healthy GPU reports.</summary>
    public const int None = 0;

    /// <summary>XID 48: a double-bit ECC error (the Llama 3 table's HBM3 failures).</summary>
    public const int DoubleBitEcc = 48;

    /// <summary>XID 79: the driver lost the GPU; what a crash without an XID of its own reports.</summary>
    public const int FallenOffTheBus = 79;

    /// <summary>XID 95: an uncontained ECC error (the Llama 3 table's SRAM failures).</summary>
    public const int UncontainedEcc = 95;

    /// <summary>XID 119: a GSP RPC timeout (the Llama 3 table's GPU system processor failures).</summary>
    public const int GspRpcTimeout = 119;

    /// <summary>dcgm-exporter's message for an XID it has no text for.</summary>
    public const string UnknownMessage = "Unknown Error";

    /// <summary>The XID and message of NVIDIA's table, for the XIDs the simulator reports.</summary>
    public static IReadOnlyDictionary<int, string> Messages { get; } = new Dictionary<int, string>
    {
        [None] = "No Error",
        [DoubleBitEcc] = "Double Bit ECC Error",
        [FallenOffTheBus] = "GPU has fallen off the bus",
        [UncontainedEcc] = "Uncontained ECC error",
        [GspRpcTimeout] = "GSP RPC Timeout",
    };

    /// <summary>
    /// Whether the error <paramref name="xid"/> reports makes the driver remap a row of HBM (A100 onwards): a double-bit
    /// ECC error (48) in device memory does, one row spared per error, counted in
    /// <c>DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS</c> for good (NVIDIA's "GPU Memory Error Management": the remapping is
    /// recorded in the InfoROM and survives resets). An error on SRAM (95) or off the bus (79) remaps nothing.
    /// </summary>
    public static bool RemapsARow(int xid) => xid == DoubleBitEcc;

    /// <summary>The <c>err_msg</c> for <paramref name="xid"/>.</summary>
    public static string Message(int xid) => Messages.TryGetValue(xid, out var message) ? message : UnknownMessage;
}
