using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ParallelGen;

/// <summary>
/// Mutual TLS between the coordinator and its nodes (through <c>Microsoft.Orleans.Connections.Security</c>): every
/// silo presents <see cref="Certificate"/> and accepts a peer only if <see cref="ValidateRemoteCertificate"/> does.
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>Gets or sets this silo's certificate, with its private key. Required.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// Gets or sets how a peer's certificate is checked. Default: accepted if it chains to a trusted root without errors,
    /// or if it is the same certificate as <see cref="Certificate"/> (one self-signed certificate shared by the cluster).
    /// </summary>
    public Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool>? ValidateRemoteCertificate { get; set; }

    internal bool Accepts(X509Certificate2 remote, X509Chain? chain, SslPolicyErrors errors) =>
        ValidateRemoteCertificate is { } validate
            ? validate(remote, chain, errors)
            : errors == SslPolicyErrors.None || (Certificate is not null && remote.Thumbprint == Certificate.Thumbprint);

    internal void Validate()
    {
        if (Certificate is null || !Certificate.HasPrivateKey)
        {
            throw new ArgumentException("ClusterTlsOptions.Certificate must be set, with its private key.", nameof(Certificate));
        }
    }
}
