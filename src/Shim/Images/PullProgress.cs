namespace Sandbox.Shim.Images;

public enum PullPhase
{
    /// <summary>The manifest is read: this layer is to be fetched (Total known, Bytes 0).</summary>
    Waiting,
    /// <summary>Bytes of the layer arrived (reported at most about ten times a second).</summary>
    Downloading,
    /// <summary>The layer is in the store, its digest verified.</summary>
    Downloaded,
    /// <summary>The layer was in the store already.</summary>
    Exists,
    Unpacking,
    Unpacked,
    /// <summary>The image is recorded; Digest is its ID.</summary>
    Done,
}

/// <summary>One step of a pull, for a progress display: layer <paramref name="Digest"/> (or the image ID when Done).</summary>
public readonly record struct PullProgress(PullPhase Phase, string Digest, long Bytes, long Total);
