using Sandbox.Shim.Images;

namespace Sandbox.Shim.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("index.docker.io/foo/bar:x", "docker.io/foo/bar:x")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9")]
    [InlineData("127.0.0.1:5000/e2e-test-images/busybox:1.29-2", "127.0.0.1:5000/e2e-test-images/busybox:1.29-2")]
    [InlineData("localhost/foo", "localhost/foo:latest")]
    [InlineData("gcr.io/k8s-staging-cri-tools/test-image-tags:1", "gcr.io/k8s-staging-cri-tools/test-image-tags:1")]
    public void Normalizes_like_docker(string input, string expected)
        => Assert.Equal(expected, ImageReference.Parse(input).ToString());

    [Fact]
    public void Digest_references_keep_the_digest_and_drop_no_tag()
    {
        string d = "sha256:" + new string('a', 64);
        var r = ImageReference.Parse($"127.0.0.1:5000/busybox:1@{d}");
        Assert.Equal(d, r.Digest);
        Assert.Equal("1", r.Tag);
        Assert.Equal(d, r.ManifestReference);
        Assert.Equal($"127.0.0.1:5000/busybox@{d}", r.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("library/Upper")]
    [InlineData("busybox:bad tag")]
    [InlineData("busybox@sha256:1234")]
    [InlineData("a//b")]
    [InlineData("busybox:")]
    public void Rejects_malformed_references(string input)
        => Assert.False(ImageReference.TryParse(input, out _, out _));
}
