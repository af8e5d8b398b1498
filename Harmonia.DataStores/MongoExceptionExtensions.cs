using MongoDB.Driver;

namespace Harmonia.DataStores;

public static class MongoExceptionExtensions
{
    private const int DuplicateKeyCode = 11000;

    /// <summary>
    /// Whether a unique index refused the write. Servers report it as a write error or, for some commands
    /// and some MongoDB-compatible servers, as a command error with code 11000; both mean the same.
    /// </summary>
    public static bool IsDuplicateKey(this MongoException exception) => exception switch
    {
        MongoWriteException write => write.WriteError?.Category is ServerErrorCategory.DuplicateKey,
        MongoBulkWriteException bulk => bulk.WriteErrors.Any(error => error.Category is ServerErrorCategory.DuplicateKey),
        MongoCommandException command => command.Code == DuplicateKeyCode,
        _ => false,
    };

    /// <summary>
    /// Whether MongoDB's answer was lost, not necessarily the operation: the connection failed, or a wait ran out,
    /// after the command may have been sent. A write that failed so may be on record, or land once a hung server
    /// resumes, so whatever mirrors it (a cache, other replicas) must be told as if it had landed.
    /// </summary>
    public static bool IsLostAnswer(this Exception exception) => exception is MongoConnectionException or TimeoutException;
}
