using System.Diagnostics;
using MongoDB.Driver;
using OpenTelemetry;

namespace Harmonia.ServiceDefaults.MongoDB;

/// <summary>
/// Takes the server's error message off MongoDB.Driver's spans before an exporter reads them. The message can quote
/// the document in question: a duplicate key names the key's value, so registering an address that already has an
/// account, answered 202 like any other so as not to say so, would write that address into every trace backend. The
/// error's type, its code (<c>db.response.status_code</c>) and the span's error status stay.
/// </summary>
public sealed class MongoErrorMessageRedaction : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        if (data.Status != ActivityStatusCode.Error || data.Source.Name != MongoTelemetry.ActivitySourceName)
        {
            return;
        }

        data.SetTag("exception.message", null);
        data.SetStatus(ActivityStatusCode.Error);
    }
}
