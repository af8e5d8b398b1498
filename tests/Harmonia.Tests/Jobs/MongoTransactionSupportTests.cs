using Harmonia.Worker.Jobs;
using MongoDB.Bson;

namespace Harmonia.Tests.Jobs;

/// <summary>Reading a <c>hello</c> reply for whether the server runs multi-document transactions.</summary>
public sealed class MongoTransactionSupportTests
{
    [Fact]
    public void ReplicaSetMemberRunsTransactions()
    {
        // As jongodb's single-node replica set answers (MongoDB's own reply has the same fields).
        var hello = BsonDocument.Parse("""{ "isWritablePrimary": true, "setName": "rs0", "hosts": ["127.0.0.1:27117"], "maxWireVersion": 17, "ok": 1 }""");

        Assert.True(MongoTransactionSupport.IsAvailable(hello));
    }

    [Fact]
    public void MongosRunsTransactions()
    {
        var hello = BsonDocument.Parse("""{ "isWritablePrimary": true, "msg": "isdbgrid", "maxWireVersion": 21, "ok": 1 }""");

        Assert.True(MongoTransactionSupport.IsAvailable(hello));
    }

    [Fact]
    public void StandaloneServerDoesNot()
    {
        var hello = BsonDocument.Parse("""{ "isWritablePrimary": true, "maxBsonObjectSize": 16777216, "maxWireVersion": 17, "ok": 1 }""");

        Assert.False(MongoTransactionSupport.IsAvailable(hello));
    }

    [Theory]
    [InlineData("""{ "setName": "", "ok": 1 }""")]
    [InlineData("""{ "setName": null, "ok": 1 }""")]
    [InlineData("""{ "msg": "something else", "ok": 1 }""")]
    public void EmptyOrOtherValuesDoNotCount(string reply) =>
        Assert.False(MongoTransactionSupport.IsAvailable(BsonDocument.Parse(reply)));
}
