using System.Security.Cryptography;

namespace Sandbox.Shim.Util;

public static class Ids
{
    /// <summary>A new 64-hex-digit ID, as containerd makes them.</summary>
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>True for IDs this server could have made (also guards file names built from IDs).</summary>
    public static bool LooksValid(string id) => id.Length is > 0 and <= 64 && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
