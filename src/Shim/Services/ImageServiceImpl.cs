using Grpc.Core;
using Runtime.V1;
using Sandbox.Shim.Images;
using Sandbox.Shim.Runtime;
using Sandbox.Shim.State;
using Sandbox.Shim.Util;

namespace Sandbox.Shim.Services;

/// <summary>runtime.v1.ImageService over the <see cref="ImageStore"/>.</summary>
public sealed class ImageServiceImpl(CriRuntime runtime) : ImageService.ImageServiceBase
{
    private ImageStore Store => runtime.Images;

    public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        var images = Store.List().AsEnumerable();
        if (request.Filter?.Image?.Image is { Length: > 0 } want)
        {
            var hit = Store.Find(want);
            images = images.Where(i => hit != null && i.Id == hit.Id);
        }
        return Task.FromResult(new ListImagesResponse { Images = { images.OrderBy(i => i.PulledAt).Select(ToCri) } });
    }

    public override Task<ImageStatusResponse> ImageStatus(ImageStatusRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Image?.Image)) throw Errors.InvalidArgument("image.image must not be empty");
        var img = Store.Find(request.Image.Image);
        var resp = new ImageStatusResponse();
        if (img == null) return Task.FromResult(resp); // not present: no image, no error
        resp.Image = ToCri(img);
        if (request.Verbose)
            resp.Info["info"] = $"{{\"id\":\"{img.Id}\",\"manifestDigest\":\"{img.ManifestDigest}\",\"layers\":{img.Layers.Count},\"rootfs\":\"{Store.RootfsOf(img.Id)}\"}}";
        return Task.FromResult(resp);
    }

    public override async Task<PullImageResponse> PullImage(PullImageRequest request, ServerCallContext context)
    {
        string reference = request.Image?.Image ?? "";
        if (reference.Length == 0) throw Errors.InvalidArgument("image.image must not be empty");
        if (!ImageReference.TryParse(reference, out _, out string error)) throw Errors.InvalidArgument(error);
        var a = request.Auth;
        var auth = new RegistryAuth { Username = a?.Username, Password = a?.Password, Auth = a?.Auth, RegistryToken = a?.RegistryToken };
        try
        {
            var img = await Store.PullAsync(reference, auth, context.CancellationToken);
            return new PullImageResponse { ImageRef = img.Id };
        }
        catch (RegistryException e) when (e.NotFound) { throw Errors.NotFound(e.Message); }
        catch (RegistryException e) { throw Errors.Unavailable(e.Message); }
        catch (NotSupportedException e) { throw Errors.Unimplemented(e.Message); }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or FormatException)
        {
            throw Errors.Internal($"pulling {reference}: malformed image: {e.Message}");
        }
    }

    public override Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Image?.Image)) throw Errors.InvalidArgument("image.image must not be empty");
        try { Store.Remove(request.Image.Image, runtime.ImageInUse); }
        catch (InvalidOperationException e) { throw Errors.FailedPrecondition(e.Message); }
        return Task.FromResult(new RemoveImageResponse()); // absent already: idempotent
    }

    public override Task<ImageFsInfoResponse> ImageFsInfo(ImageFsInfoRequest request, ServerCallContext context)
    {
        var (bytes, inodes) = Store.Usage();
        var fs = new FilesystemUsage
        {
            Timestamp = Clock.NowNs(),
            FsId = new FilesystemIdentifier { Mountpoint = Store.Root },
            UsedBytes = new UInt64Value { Value = bytes },
            InodesUsed = new UInt64Value { Value = inodes },
        };
        return Task.FromResult(new ImageFsInfoResponse { ImageFilesystems = { fs }, ContainerFilesystems = { fs.Clone() } });
    }

    internal static Image ToCri(ImageRecord r)
    {
        var img = new Image { Id = r.Id, RepoTags = { r.RepoTags }, RepoDigests = { r.RepoDigests }, Size = r.Size, Spec = new ImageSpec { Image = r.Id } };
        string user = r.User.Split(':')[0];
        if (user.Length > 0 && long.TryParse(user, out long uid)) img.Uid = new Int64Value { Value = uid };
        else if (user.Length > 0) img.Username = user;
        return img;
    }
}
