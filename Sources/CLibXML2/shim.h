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

/* xmlFree is a global function pointer, which Swift 6 sees as shared mutable state. */
static inline void flowdesk_xml_free(void *pointer) { xmlFree(pointer); }

#endif
