"""A webhook receiver for the delivery benchmark: reads each POST and answers 204, as fast as a
threaded standard-library server can. It checks nothing, so wrk and Flowdesk meet the same cost."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


# The default listen backlog (5) refuses connections when Flowdesk opens many at once.
ThreadingHTTPServer.request_queue_size = 1024
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
