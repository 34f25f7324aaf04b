namespace Sandbox.P9;

/// <summary>Protocol constants of 9P2000.L.</summary>
public static class P9
{
    public const string Version = "9P2000.L";
    /// <summary>size[4] type[1] tag[2].</summary>
    public const int HeaderSize = 7;
    public const ushort NoTag = 0xFFFF;
    public const uint NoFid = 0xFFFFFFFF;
    /// <summary>Twalk carries at most 16 names (intro(5), MAXWELEM).</summary>
    public const int MaxWalkElements = 16;
    /// <summary>The smallest msize we accept: room for a header, a walk of names and a small read.</summary>
    public const uint MinMsize = 4096;
    /// <summary>The largest msize we offer or accept (frames are pooled buffers of this size at most).</summary>
    public const uint MaxMsize = 4 << 20;
    /// <summary>Rread/Twrite header: size type tag count (the payload follows).</summary>
    public const int ReadWriteOverhead = HeaderSize + 4 + 8 + 4;

    // Tgetattr request_mask / Rgetattr valid bits.
    public const ulong GetattrMode = 0x1, GetattrNlink = 0x2, GetattrUid = 0x4, GetattrGid = 0x8,
        GetattrRdev = 0x10, GetattrAtime = 0x20, GetattrMtime = 0x40, GetattrCtime = 0x80,
        GetattrIno = 0x100, GetattrSize = 0x200, GetattrBlocks = 0x400, GetattrBtime = 0x800,
        GetattrGen = 0x1000, GetattrDataVersion = 0x2000, GetattrBasic = 0x7ff, GetattrAll = 0x3fff;

    // Tsetattr valid bits.
    public const uint SetattrMode = 0x1, SetattrUid = 0x2, SetattrGid = 0x4, SetattrSize = 0x8,
        SetattrAtime = 0x10, SetattrMtime = 0x20, SetattrCtime = 0x40, SetattrAtimeSet = 0x80,
        SetattrMtimeSet = 0x100;

    // Tlock status and flags.
    public const byte LockSuccess = 0, LockBlocked = 1, LockError = 2, LockGrace = 3;
    public const uint LockFlagsBlock = 1, LockFlagsReclaim = 2;
    public const byte LockTypeRdlck = 0, LockTypeWrlck = 1, LockTypeUnlck = 2;

    // Qid types.
    public const byte QidDir = 0x80, QidAppend = 0x40, QidExcl = 0x20, QidMount = 0x10, QidAuth = 0x08,
        QidTmp = 0x04, QidSymlink = 0x02, QidLink = 0x01, QidFile = 0x00;

    /// <summary>Tunlinkat flags: AT_REMOVEDIR.</summary>
    public const uint AtRemoveDir = 0x200;
}
