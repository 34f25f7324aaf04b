namespace Sandbox.MicroVm.VhostUser;

/// <summary>The guest's RAM as the front-end shared it (SET_MEM_TABLE): each region is an fd
/// mapped here, found by guest-physical address (descriptors) or by the front-end's virtual
/// address (vring addresses). Every translation is bounds-checked: a guest cannot make the
/// backend touch memory outside its RAM.</summary>
internal sealed unsafe class GuestMemory : IDisposable
{
    readonly struct Region(ulong gpa, ulong size, ulong userAddr, byte* host, byte* map, nuint mapLen)
    {
        public readonly ulong Gpa = gpa, Size = size, UserAddr = userAddr;
        public readonly byte* Host = host, Map = map;
        public readonly nuint MapLen = mapLen;
    }

    readonly Region[] _regions;

    GuestMemory(Region[] regions) => _regions = regions;

    public static GuestMemory Empty { get; } = new([]);

    /// <summary>RAM this process owns (the direct-KVM VMM): one region at guest address 0, whose
    /// "front-end address" is the guest address too. Not unmapped on Dispose.</summary>
    public static GuestMemory Wrap(byte* host, ulong size) => new([new Region(0, size, 0, host, null, 0)]);

    /// <summary>Maps the regions of a SET_MEM_TABLE payload (u32 count, u32 padding, then per
    /// region u64 guest address, size, front-end address, mmap offset) with their fds.</summary>
    public static GuestMemory Map(ReadOnlySpan<byte> payload, ReadOnlySpan<int> fds)
    {
        if (payload.Length < 8) throw new VhostUserProtocolException("SET_MEM_TABLE: short payload");
        uint n = BitConverter.ToUInt32(payload);
        if (n is 0 or > Wire.MaxRegions) throw new VhostUserProtocolException($"SET_MEM_TABLE: {n} regions (1..{Wire.MaxRegions})");
        if (payload.Length < 8 + 32 * n) throw new VhostUserProtocolException("SET_MEM_TABLE: payload shorter than its regions");
        if (fds.Length != n) throw new VhostUserProtocolException($"SET_MEM_TABLE: {n} regions but {fds.Length} fds");
        var regions = new Region[n];
        int mapped = 0;
        try
        {
            for (int i = 0; i < n; i++)
            {
                var r = payload.Slice(8 + 32 * i, 32);
                ulong gpa = BitConverter.ToUInt64(r), size = BitConverter.ToUInt64(r[8..]),
                    user = BitConverter.ToUInt64(r[16..]), off = BitConverter.ToUInt64(r[24..]);
                if (size == 0 || size > 1UL << 40 || off > 1UL << 40 || gpa + size < gpa || user + size < user)
                    throw new VhostUserProtocolException($"SET_MEM_TABLE: bad region {i} (size {size:x}, offset {off:x})");
                nuint len = (nuint)(size + off);
                var p = Libc.mmap(null, len, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fds[i], 0);
                if (p == (void*)-1) throw new VhostUserProtocolException($"SET_MEM_TABLE: mmap of region {i}: {Libc.ErrText(Libc.Errno)}");
                regions[i] = new Region(gpa, size, user, (byte*)p + off, (byte*)p, len);
                mapped++;
            }
            return new GuestMemory(regions);
        }
        catch
        {
            for (int i = 0; i < mapped; i++) Libc.munmap(regions[i].Map, regions[i].MapLen);
            throw;
        }
    }

    /// <summary>Host pointer of guest-physical [gpa, gpa+len), or null when it is not inside one region.</summary>
    public byte* FromGuest(ulong gpa, ulong len)
    {
        foreach (ref readonly var r in _regions.AsSpan())
            if (gpa >= r.Gpa && gpa - r.Gpa < r.Size && len <= r.Size - (gpa - r.Gpa)) return r.Host + (gpa - r.Gpa);
        return null;
    }

    /// <summary>Host pointer of the front-end's virtual [addr, addr+len), or null.</summary>
    public byte* FromUser(ulong addr, ulong len)
    {
        foreach (ref readonly var r in _regions.AsSpan())
            if (addr >= r.UserAddr && addr - r.UserAddr < r.Size && len <= r.Size - (addr - r.UserAddr)) return r.Host + (addr - r.UserAddr);
        return null;
    }

    public void Dispose()
    {
        foreach (var r in _regions) if (r.MapLen > 0) Libc.munmap(r.Map, r.MapLen);
    }
}
