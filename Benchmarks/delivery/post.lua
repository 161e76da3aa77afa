-- A POST shaped like a Flowdesk message webhook: the same headers and a body of the same size.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["webhook-id"] = "msg_Zmxvdy0xL2MxL2hlbGxvL3YxLzE"
wrk.headers["webhook-timestamp"] = "1767258000"
wrk.headers["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
wrk.body = '{"type":"message.email","timestamp":"2026-01-01T09:00:00Z","data":{"messageId":'
  .. '"msg_Zmxvdy0xL2MxL2hlbGxvL3YxLzE","flowId":"flow-1","contactId":"c1","stepId":"hello",'
  .. '"channel":"email","language":"en","to":"c1@example.com","from":"news@example.com",'
  .. '"replyTo":"help@example.com","subject":"Hi","text":null,"html":null}}'
