namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>
/// A Redis Cluster of local <c>redis-server</c> processes, for machines without a container runtime. The nodes
/// and the one-off <c>redis-cli --cluster create</c> that joins them are its child resources; this resource runs
/// nothing itself. Services reference it like a single Redis: its connection string lists every node, and the
/// client learns from any of them which node holds which hash slot.
/// </summary>
public sealed class LocalRedisClusterResource(string name, ParameterResource password) : Resource(name), IResourceWithConnectionString
{
    private readonly List<EndpointReference> _nodes = [];

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The client endpoint of each node, in the order the nodes were added.</summary>
    public IReadOnlyList<EndpointReference> Nodes => _nodes;

    /// <summary>
    /// <c>127.0.0.1:P1,127.0.0.1:P2,…,password=…</c>. The nodes announce themselves as 127.0.0.1 (the address the
    /// cluster was created with), so the connection string names them the same way and a client never holds two
    /// connections to one node under two names.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            foreach (var node in _nodes)
            {
                builder.Append($"{NodeAddress(node)},");
            }

            builder.Append($"password={PasswordParameter}");
            return builder.Build();
        }
    }

    /// <summary>How the cluster knows a node, and so how clients must name it: <c>127.0.0.1:PORT</c>.</summary>
    internal static ReferenceExpression NodeAddress(EndpointReference node) =>
        ReferenceExpression.Create($"127.0.0.1:{node.Property(EndpointProperty.Port)}");

    internal void AddNode(EndpointReference endpoint) => _nodes.Add(endpoint);
}
