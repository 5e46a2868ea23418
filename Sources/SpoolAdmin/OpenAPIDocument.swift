/// The OpenAPI 3 description of the JSON API, served at `/api/openapi.json` (docs/admin-api.md says the same in
/// prose). Written by Tools/admin-openapi.py: edit it there.
enum OpenAPIDocument {
    static let json = #"""
{"openapi":"3.0.3","info":{"title":"Spool admin API","version":"1","description":"The JSON API of Spool's admin listener (docs/admin-api.md). Every action goes through the broker's Kafka handlers."},
"servers":[{"url":"/"}],"security":[{"basic":[]}],"components":{"securitySchemes":{
"basic":{"type":"http","scheme":"basic","description":"Needed when admin.users is set"}},
"schemas":{"Error":{"type":"object","properties":{"error":{"type":"string"}},
"required":["error"]},"Status":{"type":"object","properties":{"status":{"type":"string",
"enum":["live","ready","recovering","stopping","failing"]},"reason":{"type":"string"}},
"required":["status"]},"Bytes":{"type":"object","properties":{"encoding":{
"type":"string","enum":["utf8","base64"]},"data":{"type":"string"},"size":{
"type":"integer","format":"int64"},"truncated":{"type":"boolean"}},"required":[
"encoding","data","size","truncated"],"nullable":true},"Broker":{"type":"object",
"properties":{"version":{"type":"string"},"clusterId":{"type":"string"},"startedAtMs":{
"type":"integer","format":"int64"},"uptimeSeconds":{"type":"integer","format":"int64"},
"phase":{"type":"string"},"dataDir":{"type":"string"},"kafkaListener":{"type":"string"},
"adminListener":{"type":"string"},"disk":{"type":"object","properties":{"totalBytes":{
"type":"integer","format":"int64"},"freeBytes":{"type":"integer","format":"int64"},
"logBytes":{"type":"integer","format":"int64"}},"required":["totalBytes",
"freeBytes","logBytes"]},"topics":{"type":"integer","format":"int64"},"partitions":{
"type":"integer","format":"int64"}},"required":["version","clusterId","startedAtMs",
"uptimeSeconds","phase","dataDir","kafkaListener","adminListener","topics",
"partitions"]},"Setting":{"type":"object","properties":{"key":{"type":"string"},
"value":{"type":"string"},"defaultValue":{"type":"string"},"changed":{"type":"boolean"},
"help":{"type":"string"}},"required":["key","value","defaultValue","changed",
"help"]},"TopicSummary":{"type":"object","properties":{"name":{"type":"string"},
"topicId":{"type":"string"},"partitions":{"type":"integer","format":"int64"},
"records":{"type":"integer","format":"int64"},"sizeBytes":{"type":"integer",
"format":"int64"}},"required":["name","topicId","partitions","records","sizeBytes"]},
"Config":{"type":"object","properties":{"name":{"type":"string"},"value":{
"type":"string","nullable":true},"source":{"type":"string"},"readOnly":{"type":"boolean"},
"sensitive":{"type":"boolean"}},"required":["name","source","readOnly","sensitive"]},
"Cleaner":{"type":"object","properties":{"firstDirtyOffset":{"type":"integer",
"format":"int64"},"dirtyRatio":{"type":"number"},"bytesReclaimed":{"type":"integer",
"format":"int64"},"uncleanable":{"type":"boolean"}},"required":["firstDirtyOffset",
"dirtyRatio","bytesReclaimed","uncleanable"]},"Partition":{"type":"object",
"properties":{"partition":{"type":"integer","format":"int32"},"logStartOffset":{
"type":"integer","format":"int64"},"logEndOffset":{"type":"integer","format":"int64"},
"records":{"type":"integer","format":"int64"},"sizeBytes":{"type":"integer",
"format":"int64"},"segments":{"type":"integer","format":"int64"},"cleaner":{
"$ref":"#/components/schemas/Cleaner"}},"required":["partition","logStartOffset",
"logEndOffset","records","sizeBytes","segments"]},"Topic":{"type":"object",
"properties":{"name":{"type":"string"},"topicId":{"type":"string"},"partitions":{
"type":"array","items":{"$ref":"#/components/schemas/Partition"}},"configs":{
"type":"array","items":{"$ref":"#/components/schemas/Config"}}},"required":[
"name","topicId","partitions","configs"]},"NewTopic":{"type":"object","properties":{
"name":{"type":"string"},"partitions":{"type":"integer","format":"int32"},
"configs":{"type":"object","additionalProperties":{"type":"string"}}},"required":[
"name"]},"ConfigChanges":{"type":"object","properties":{"set":{"type":"object",
"additionalProperties":{"type":"string"}},"delete":{"type":"array","items":{
"type":"string"}}},"required":[]},"PartitionCount":{"type":"object","properties":{
"count":{"type":"integer","format":"int32"}},"required":["count"]},"Header":{
"type":"object","properties":{"key":{"type":"string"},"value":{"$ref":"#/components/schemas/Bytes"}},
"required":["key"]},"Record":{"type":"object","properties":{"offset":{"type":"integer",
"format":"int64"},"timestampMs":{"type":"integer","format":"int64"},"timestampType":{
"type":"string","enum":["CreateTime","LogAppendTime"]},"key":{"$ref":"#/components/schemas/Bytes"},
"value":{"$ref":"#/components/schemas/Bytes"},"headers":{"type":"array","items":{
"$ref":"#/components/schemas/Header"}}},"required":["offset","timestampMs",
"timestampType","headers"]},"Records":{"type":"object","properties":{"topic":{
"type":"string"},"partition":{"type":"integer","format":"int32"},"logStartOffset":{
"type":"integer","format":"int64"},"logEndOffset":{"type":"integer","format":"int64"},
"nextOffset":{"type":"integer","format":"int64"},"records":{"type":"array",
"items":{"$ref":"#/components/schemas/Record"}}},"required":["topic","partition",
"logStartOffset","logEndOffset","nextOffset","records"]},"GroupSummary":{
"type":"object","properties":{"group":{"type":"string"},"state":{"type":"string"},
"protocolType":{"type":"string"}},"required":["group","state","protocolType"]},
"Member":{"type":"object","properties":{"memberId":{"type":"string"},"clientId":{
"type":"string"},"host":{"type":"string"},"assignment":{"type":"array","items":{
"type":"object","properties":{"topic":{"type":"string"},"partition":{"type":"integer",
"format":"int32"}},"required":["topic","partition"]}}},"required":["memberId",
"clientId","host","assignment"]},"GroupPartition":{"type":"object","properties":{
"topic":{"type":"string"},"partition":{"type":"integer","format":"int32"},
"committedOffset":{"type":"integer","format":"int64"},"endOffset":{"type":"integer",
"format":"int64"},"lag":{"type":"integer","format":"int64"},"memberId":{"type":"string"},
"clientId":{"type":"string"},"host":{"type":"string"}},"required":["topic",
"partition","endOffset"]},"Group":{"type":"object","properties":{"group":{
"type":"string"},"state":{"type":"string"},"assignor":{"type":"string"},"members":{
"type":"array","items":{"$ref":"#/components/schemas/Member"}},"totalLag":{
"type":"integer","format":"int64"},"partitions":{"type":"array","items":{
"$ref":"#/components/schemas/GroupPartition"}}},"required":["group","state",
"assignor","members","totalLag","partitions"]},"ResetOffsets":{"type":"object",
"properties":{"topic":{"type":"string"},"partitions":{"type":"array","items":{
"type":"integer","format":"int32"}},"to":{"type":"string","enum":["earliest",
"latest","current","offset","timestamp","shift"]},"value":{"type":"integer",
"format":"int64"},"execute":{"type":"boolean"}},"required":["to"]},"OffsetReset":{
"type":"object","properties":{"group":{"type":"string"},"executed":{"type":"boolean"},
"partitions":{"type":"array","items":{"type":"object","properties":{"topic":{
"type":"string"},"partition":{"type":"integer","format":"int32"},"currentOffset":{
"type":"integer","format":"int64"},"newOffset":{"type":"integer","format":"int64"}},
"required":["topic","partition","newOffset"]}}},"required":["group","executed",
"partitions"]},"SharePartition":{"type":"object","properties":{"topic":{"type":"string"},
"partition":{"type":"integer","format":"int32"},"startOffset":{"type":"integer",
"format":"int64"},"logEndOffset":{"type":"integer","format":"int64"},"available":{
"type":"integer","format":"int64"},"acquired":{"type":"integer","format":"int64"},
"acknowledged":{"type":"integer","format":"int64"},"archived":{"type":"integer",
"format":"int64"},"deadLettered":{"type":"integer","format":"int64"},"firstAvailableOffset":{
"type":"integer","format":"int64"},"oldestAvailableAgeMs":{"type":"integer",
"format":"int64"}},"required":["topic","partition","startOffset"]},"ShareGroup":{
"type":"object","properties":{"group":{"type":"string"},"state":{"type":"string"},
"members":{"type":"array","items":{"$ref":"#/components/schemas/Member"}},
"deadLetterTopic":{"type":"string"},"configs":{"type":"array","items":{"$ref":"#/components/schemas/Config"}},
"partitions":{"type":"array","items":{"$ref":"#/components/schemas/SharePartition"}}},
"required":["group","state","members","configs","partitions"]},"Deleted":{
"type":"object","properties":{"deleted":{"type":"string"}},"required":["deleted"]},
"Redriven":{"type":"object","properties":{"group":{"type":"string"},"moved":{
"type":"integer","format":"int64"}},"required":["group","moved"]}}},"paths":{
"/health/live":{"get":{"summary":"The process answers","security":[],"responses":{
"200":{"description":"live","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Status"}}}}}}},
"/health/ready":{"get":{"summary":"Logs loaded, Kafka listener accepting, no partition offline",
"security":[],"responses":{"200":{"description":"ready","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Status"}}}},"503":{"description":"recovering, stopping or failing",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Status"}}}}}}},
"/metrics":{"get":{"summary":"Prometheus text exposition (docs/metrics.md)",
"responses":{"200":{"description":"metrics","content":{"text/plain":{"schema":{
"type":"string"}}}},"401":{"description":"credentials needed","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/broker":{"get":{"summary":"Version, uptime, listeners, disk","responses":{
"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Broker"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/config":{"get":{"summary":"Every setting: value, default, help","responses":{
"200":{"description":"OK","content":{"application/json":{"schema":{"type":"array",
"items":{"$ref":"#/components/schemas/Setting"}}}}},"401":{"description":"credentials needed (admin.users)",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"503":{"description":"the broker is still recovering","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}}}}},"/api/topics":{"get":{
"summary":"Topics with partitions, records and size","responses":{"200":{
"description":"OK","content":{"application/json":{"schema":{"type":"array",
"items":{"$ref":"#/components/schemas/TopicSummary"}}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}},
"post":{"summary":"Create a topic (CreateTopics)","requestBody":{"required":true,
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/NewTopic"}}}},
"responses":{"201":{"description":"created","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Topic"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"409":{"description":"exists already, or the group is active","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{
"description":"the broker's Kafka listener did not answer","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"credentials needed (admin.users)",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"503":{"description":"the broker is still recovering","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}}}}},"/api/topics/{topic}":{
"parameters":[{"name":"topic","in":"path","required":true,"schema":{"type":"string"}}],
"get":{"summary":"Partitions and configs with their sources","responses":{
"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Topic"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}},
"delete":{"summary":"Delete a topic (DeleteTopics)","responses":{"200":{"description":"OK",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Deleted"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/topics/{topic}/configs":{"parameters":[{"name":"topic","in":"path",
"required":true,"schema":{"type":"string"}}],"patch":{"summary":"Set and delete configs (IncrementalAlterConfigs)",
"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ConfigChanges"}}}},
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Topic"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/topics/{topic}/partitions":{"parameters":[{"name":"topic","in":"path",
"required":true,"schema":{"type":"string"}}],"post":{"summary":"Grow to a partition count (CreatePartitions)",
"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/PartitionCount"}}}},
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Topic"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/topics/{topic}/partitions/{partition}/records":{"parameters":[{"name":"topic",
"in":"path","required":true,"schema":{"type":"string"}},{"name":"partition",
"in":"path","required":true,"schema":{"type":"integer","format":"int32"}}],
"get":{"summary":"Browse records from an offset or a time (Fetch)","parameters":[
{"name":"offset","in":"query","required":false,"schema":{"type":"integer",
"format":"int64"},"description":"the first offset"},{"name":"timestamp","in":"query",
"required":false,"schema":{"type":"integer","format":"int64"},"description":"ms since the epoch: the first record at or after it"},
{"name":"limit","in":"query","required":false,"schema":{"type":"integer",
"minimum":1,"maximum":500,"default":50},"description":"records at most (1 MiB of keys, values and headers at most)"}],
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Records"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/groups":{"get":{"summary":"Consumer groups","responses":{"200":{"description":"OK",
"content":{"application/json":{"schema":{"type":"array","items":{"$ref":"#/components/schemas/GroupSummary"}}}}},
"502":{"description":"the broker's Kafka listener did not answer","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{
"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/groups/{group}":{"parameters":[{"name":"group","in":"path","required":true,
"schema":{"type":"string"}}],"get":{"summary":"Members, committed offsets and lag",
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Group"}}}},"404":{"description":"no such topic, partition or group",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"502":{"description":"the broker's Kafka listener did not answer","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{
"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}},
"delete":{"summary":"Delete an empty group and its offsets (DeleteGroups)",
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Deleted"}}}},"404":{"description":"no such topic, partition or group",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"409":{"description":"exists already, or the group is active","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{
"description":"the broker's Kafka listener did not answer","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"credentials needed (admin.users)",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"503":{"description":"the broker is still recovering","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}}}}},"/api/groups/{group}/reset-offsets":{
"parameters":[{"name":"group","in":"path","required":true,"schema":{"type":"string"}}],
"post":{"summary":"Plan (and with execute, commit) new offsets; the group must have no members",
"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ResetOffsets"}}}},
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/OffsetReset"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"409":{"description":"exists already, or the group is active",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"502":{"description":"the broker's Kafka listener did not answer","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{
"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/share-groups":{"get":{"summary":"Share groups (queues)","responses":{
"200":{"description":"OK","content":{"application/json":{"schema":{"type":"array",
"items":{"$ref":"#/components/schemas/GroupSummary"}}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/share-groups/{group}":{"parameters":[{"name":"group","in":"path","required":true,
"schema":{"type":"string"}}],"get":{"summary":"Members, per-partition record counts, dead-letter topic, configs",
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/ShareGroup"}}}},"404":{"description":"no such topic, partition or group",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"502":{"description":"the broker's Kafka listener did not answer","content":{
"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"401":{
"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
"/api/share-groups/{group}/redrive":{"parameters":[{"name":"group","in":"path",
"required":true,"schema":{"type":"string"}}],"post":{"summary":"Move the group's dead letters back to their source topics (at least once)",
"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{
"$ref":"#/components/schemas/Redriven"}}}},"400":{"description":"bad input or a refusal by the broker's rules",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"404":{"description":"no such topic, partition or group","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"502":{"description":"the broker's Kafka listener did not answer",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
"401":{"description":"credentials needed (admin.users)","content":{"application/json":{
"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"the broker is still recovering",
"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}}}}
"""#
}
