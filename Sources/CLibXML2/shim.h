#ifndef FLOWDESK_CLIBXML2_SHIM_H
#define FLOWDESK_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU; its ICU headers clash with the ICU that Foundation
   bundles. Flowdesk never touches the encoding handler structs that depend on it. */
#undef LIBXML_ICU_ENABLED

#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

/* xmlFree is a global function pointer, which Swift 6 sees as shared mutable state. */
static inline void flowdesk_xml_free(void *pointer) { xmlFree(pointer); }

/* libxml2 (2.9) reports errors through a per-thread structured handler, and to standard error
   when none is set. A parse installs its own handler and puts the previous one back after,
   so libxml2 never writes to standard error and no other thread is affected. */
typedef struct {
  xmlStructuredErrorFunc handler;
  void *context;
} flowdesk_xml_error_handler;

static inline flowdesk_xml_error_handler flowdesk_xml_set_error_handler(
    xmlStructuredErrorFunc handler, void *context) {
  flowdesk_xml_error_handler previous = {xmlStructuredError, xmlStructuredErrorContext};
  xmlSetStructuredErrorFunc(context, handler);
  return previous;
}

static inline void flowdesk_xml_restore_error_handler(flowdesk_xml_error_handler previous) {
  xmlSetStructuredErrorFunc(previous.context, previous.handler);
}

#endif
