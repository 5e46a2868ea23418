#!/usr/bin/env python3
"""Writes Sources/SpoolAdmin/OpenAPIDocument.swift: the OpenAPI 3 document of the admin JSON API, as a Swift string
the binary embeds. Edit the description here and run `python3 Tools/admin-openapi.py`."""
import json
import pathlib

def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def arr(s): return {"type": "array", "items": s}
I = {"type": "integer", "format": "int64"}
I32 = {"type": "integer", "format": "int32"}
S = {"type": "string"}
B = {"type": "boolean"}
def nullable(s): return {**s, "nullable": True}
def obj(props, required=None):
    o = {"type": "object", "properties": props}
    o["required"] = required if required is not None else list(props)
    return o
schemas = {
 "Error": obj({"error": S}),
 "Status": obj({"status": {"type": "string", "enum": ["live", "ready", "recovering", "stopping", "failing"]}, "reason": S}, ["status"]),
 "Bytes": nullable(obj({"encoding": {"type": "string", "enum": ["utf8", "base64"]}, "data": S, "size": I, "truncated": B})),
 "Broker": obj({"version": S, "clusterId": S, "startedAtMs": I, "uptimeSeconds": I, "phase": S, "dataDir": S,
   "kafkaListener": S, "adminListener": S, "disk": obj({"totalBytes": I, "freeBytes": I, "logBytes": I}),
   "topics": I, "partitions": I}, ["version", "clusterId", "startedAtMs", "uptimeSeconds", "phase", "dataDir", "kafkaListener", "adminListener", "topics", "partitions"]),
 "Setting": obj({"key": S, "value": S, "defaultValue": S, "changed": B, "help": S}),
 "TopicSummary": obj({"name": S, "topicId": S, "partitions": I, "records": I, "sizeBytes": I}),
 "Config": obj({"name": S, "value": nullable(S), "source": S, "readOnly": B, "sensitive": B}, ["name", "source", "readOnly", "sensitive"]),
 "Cleaner": obj({"firstDirtyOffset": I, "dirtyRatio": {"type": "number"}, "bytesReclaimed": I, "uncleanable": B}),
 "Partition": obj({"partition": I32, "logStartOffset": I, "logEndOffset": I, "records": I, "sizeBytes": I, "segments": I,
   "cleaner": ref("Cleaner")}, ["partition", "logStartOffset", "logEndOffset", "records", "sizeBytes", "segments"]),
 "Topic": obj({"name": S, "topicId": S, "partitions": arr(ref("Partition")), "configs": arr(ref("Config"))}),
 "NewTopic": obj({"name": S, "partitions": I32, "configs": {"type": "object", "additionalProperties": S}}, ["name"]),
 "ConfigChanges": obj({"set": {"type": "object", "additionalProperties": S}, "delete": arr(S)}, []),
 "PartitionCount": obj({"count": I32}),
 "Header": obj({"key": S, "value": ref("Bytes")}, ["key"]),
 "Record": obj({"offset": I, "timestampMs": I, "timestampType": {"type": "string", "enum": ["CreateTime", "LogAppendTime"]},
   "key": ref("Bytes"), "value": ref("Bytes"), "headers": arr(ref("Header"))}, ["offset", "timestampMs", "timestampType", "headers"]),
 "Records": obj({"topic": S, "partition": I32, "logStartOffset": I, "logEndOffset": I, "nextOffset": I, "records": arr(ref("Record"))}),
 "GroupSummary": obj({"group": S, "state": S, "protocolType": S}),
 "Member": obj({"memberId": S, "clientId": S, "host": S, "assignment": arr(obj({"topic": S, "partition": I32}))}),
 "GroupPartition": obj({"topic": S, "partition": I32, "committedOffset": I, "endOffset": I, "lag": I, "memberId": S, "clientId": S, "host": S}, ["topic", "partition", "endOffset"]),
 "Group": obj({"group": S, "state": S, "assignor": S, "members": arr(ref("Member")), "totalLag": I, "partitions": arr(ref("GroupPartition"))}),
 "ResetOffsets": obj({"topic": S, "partitions": arr(I32), "to": {"type": "string", "enum": ["earliest", "latest", "current", "offset", "timestamp", "shift"]},
   "value": I, "execute": B}, ["to"]),
 "OffsetReset": obj({"group": S, "executed": B, "partitions": arr(obj({"topic": S, "partition": I32, "currentOffset": I, "newOffset": I}, ["topic", "partition", "newOffset"]))}),
 "SharePartition": obj({"topic": S, "partition": I32, "startOffset": I, "logEndOffset": I, "available": I, "acquired": I, "acknowledged": I,
   "archived": I, "deadLettered": I, "firstAvailableOffset": I, "oldestAvailableAgeMs": I}, ["topic", "partition", "startOffset"]),
 "ShareGroup": obj({"group": S, "state": S, "members": arr(ref("Member")), "deadLetterTopic": S, "configs": arr(ref("Config")), "partitions": arr(ref("SharePartition"))}, ["group", "state", "members", "configs", "partitions"]),
 "Deleted": obj({"deleted": S}),
 "Redriven": obj({"group": S, "moved": I}),
}
def resp(schema, code="200", desc="OK", extra=()):
    r = {code: {"description": desc, "content": {"application/json": {"schema": schema}}}}
    errs = {"400": "bad input or a refusal by the broker's rules", "404": "no such topic, partition or group",
            "409": "exists already, or the group is active", "401": "credentials needed (admin.users)",
            "502": "the broker's Kafka listener did not answer", "503": "the broker is still recovering"}
    for e in extra:
        r[e] = {"description": errs[e], "content": {"application/json": {"schema": ref("Error")}}}
    r.setdefault("401", {"description": errs["401"], "content": {"application/json": {"schema": ref("Error")}}})
    r.setdefault("503", {"description": errs["503"], "content": {"application/json": {"schema": ref("Error")}}})
    return r
def body(name): return {"required": True, "content": {"application/json": {"schema": ref(name)}}}
def p(name, where="path", schema=S, desc=None):
    d = {"name": name, "in": where, "required": where == "path", "schema": schema}
    if desc: d["description"] = desc
    return d
T, G, P = p("topic"), p("group"), p("partition", schema=I32)
paths = {
 "/health/live": {"get": {"summary": "The process answers", "security": [], "responses": {"200": {"description": "live", "content": {"application/json": {"schema": ref("Status")}}}}}},
 "/health/ready": {"get": {"summary": "Logs loaded, Kafka listener accepting, no partition offline", "security": [], "responses": {
   "200": {"description": "ready", "content": {"application/json": {"schema": ref("Status")}}},
   "503": {"description": "recovering, stopping or failing", "content": {"application/json": {"schema": ref("Status")}}}}}},
 "/metrics": {"get": {"summary": "Prometheus text exposition (docs/metrics.md)", "responses": {"200": {"description": "metrics", "content": {"text/plain": {"schema": S}}},
   "401": {"description": "credentials needed", "content": {"application/json": {"schema": ref("Error")}}}}}},
 "/api/broker": {"get": {"summary": "Version, uptime, listeners, disk", "responses": resp(ref("Broker"))}},
 "/api/config": {"get": {"summary": "Every setting: value, default, help", "responses": resp(arr(ref("Setting")))}},
 "/api/topics": {
   "get": {"summary": "Topics with partitions, records and size", "responses": resp(arr(ref("TopicSummary")), extra=["502"])},
   "post": {"summary": "Create a topic (CreateTopics)", "requestBody": body("NewTopic"), "responses": resp(ref("Topic"), "201", "created", ["400", "409", "502"])}},
 "/api/topics/{topic}": {"parameters": [T],
   "get": {"summary": "Partitions and configs with their sources", "responses": resp(ref("Topic"), extra=["404", "502"])},
   "delete": {"summary": "Delete a topic (DeleteTopics)", "responses": resp(ref("Deleted"), extra=["404", "502"])}},
 "/api/topics/{topic}/configs": {"parameters": [T], "patch": {"summary": "Set and delete configs (IncrementalAlterConfigs)", "requestBody": body("ConfigChanges"),
   "responses": resp(ref("Topic"), extra=["400", "404", "502"])}},
 "/api/topics/{topic}/partitions": {"parameters": [T], "post": {"summary": "Grow to a partition count (CreatePartitions)", "requestBody": body("PartitionCount"),
   "responses": resp(ref("Topic"), extra=["400", "404", "502"])}},
 "/api/topics/{topic}/partitions/{partition}/records": {"parameters": [T, P], "get": {"summary": "Browse records from an offset or a time (Fetch)",
   "parameters": [p("offset", "query", I, "the first offset"), p("timestamp", "query", I, "ms since the epoch: the first record at or after it"),
                  p("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}, "records at most (1 MiB of keys, values and headers at most)")],
   "responses": resp(ref("Records"), extra=["400", "404", "502"])}},
 "/api/groups": {"get": {"summary": "Consumer groups", "responses": resp(arr(ref("GroupSummary")), extra=["502"])}},
 "/api/groups/{group}": {"parameters": [G],
   "get": {"summary": "Members, committed offsets and lag", "responses": resp(ref("Group"), extra=["404", "502"])},
   "delete": {"summary": "Delete an empty group and its offsets (DeleteGroups)", "responses": resp(ref("Deleted"), extra=["404", "409", "502"])}},
 "/api/groups/{group}/reset-offsets": {"parameters": [G], "post": {"summary": "Plan (and with execute, commit) new offsets; the group must have no members",
   "requestBody": body("ResetOffsets"), "responses": resp(ref("OffsetReset"), extra=["400", "404", "409", "502"])}},
 "/api/share-groups": {"get": {"summary": "Share groups (queues)", "responses": resp(arr(ref("GroupSummary")), extra=["502"])}},
 "/api/share-groups/{group}": {"parameters": [G], "get": {"summary": "Members, per-partition record counts, dead-letter topic, configs",
   "responses": resp(ref("ShareGroup"), extra=["404", "502"])}},
 "/api/share-groups/{group}/redrive": {"parameters": [G], "post": {"summary": "Move the group's dead letters back to their source topics (at least once)",
   "responses": resp(ref("Redriven"), extra=["400", "404", "502"])}},
}
doc = {"openapi": "3.0.3",
  "info": {"title": "Spool admin API", "version": "1", "description": "The JSON API of Spool's admin listener (docs/admin-api.md). Every action goes through the broker's Kafka handlers."},
  "servers": [{"url": "/"}],
  "security": [{"basic": []}],
  "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic", "description": "Needed when admin.users is set"}}, "schemas": schemas},
  "paths": paths}
def wrapped(text, width=72):
    """The JSON with line breaks after commas outside strings, so that no Swift line is long."""
    lines, line, in_string, escaped = [], "", False, False
    for char in text:
        line += char
        if in_string:
            in_string = not (char == '"' and not escaped)
            escaped = char == "\\" and not escaped
        elif char == '"':
            in_string = True
        elif char in ",{[" and len(line) > width:
            lines.append(line)
            line = ""
    return "\n".join(lines + [line])


text = wrapped(json.dumps(doc, separators=(",", ":")))
swift = '/// The OpenAPI 3 description of the JSON API, served at `/api/openapi.json` (docs/admin-api.md says the same in\n/// prose). Written by Tools/admin-openapi.py: edit it there.\nenum OpenAPIDocument {\n    static let json = #"""\n' + text + '\n"""#\n}\n'
open(pathlib.Path(__file__).resolve().parents[1] / 'Sources/SpoolAdmin/OpenAPIDocument.swift', 'w').write(swift)

