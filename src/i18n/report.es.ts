/**
 * The words of an evidence package's verification report (Spanish, the source). `{name}` marks a value
 * the renderer fills in (src/modules/evidence/package/report-text.ts reads them without the prefix).
 */
export const reportEs = {
  'evidence.report.title': 'Informe de verificación del paquete de evidencia',
  'evidence.report.intro':
    'Este informe acompaña a un paquete de evidencia electrónica exportado por Custodia. Describe qué contiene el paquete, la cadena de custodia de cada evidencia y cómo cualquier persona puede comprobar, sin conexión y sin confiar en quien lo preparó, que los archivos son los mismos que se registraron.',
  'evidence.report.verdictOk': 'Resultado: las {count} comprobaciones realizadas al elaborar el paquete fueron correctas.',
  'evidence.report.verdictBad': 'Resultado: {failed} de {count} comprobaciones fallaron. No confíe en este paquete sin revisarlo.',
  'evidence.report.footer': 'Página {page} de {pages}',
  // Summary
  'evidence.report.summary': 'Datos generales',
  'evidence.report.field': 'Dato',
  'evidence.report.value': 'Valor',
  'evidence.report.case': 'Caso',
  'evidence.report.organisation': 'Organización',
  'evidence.report.generatedBy': 'Elaborado por',
  'evidence.report.generatedAt': 'Fecha de elaboración',
  'evidence.report.encryption': 'Cifrado',
  'evidence.report.encryptedTo': 'Archivos de datos cifrados (age v1) para el destinatario {recipient}',
  'evidence.report.notEncrypted': 'Los archivos de datos no están cifrados',
  // Log and checkpoint
  'evidence.report.logSection': 'Registro de custodia y punto de control',
  'evidence.report.logIntro':
    'Cada evento de custodia está anotado en un registro criptográfico de solo adición (árbol de Merkle, RFC 9162). El punto de control firmado fija el estado del registro; las pruebas de inclusión del paquete se comprueban contra él.',
  'evidence.report.logOrigin': 'Origen del registro',
  'evidence.report.verifierKey': 'Clave del verificador',
  'evidence.report.treeSize': 'Tamaño del registro (entradas)',
  'evidence.report.rootHash': 'Hash raíz (SHA-256)',
  'evidence.report.cosigners': 'Testigos que cofirmaron',
  'evidence.report.noCosigners': 'Ninguno',
  'evidence.report.checkpointNote': 'Texto firmado del punto de control:',
  // Items
  'evidence.report.itemsSection': 'Evidencias del paquete',
  'evidence.report.exhibit': 'Evidencia',
  'evidence.report.description': 'Descripción',
  'evidence.report.fileName': 'Nombre original del archivo',
  'evidence.report.path': 'Archivo en el paquete',
  'evidence.report.size': 'Tamaño',
  'evidence.report.bytes': '{n} bytes',
  'evidence.report.sha256': 'SHA-256',
  'evidence.report.md5': 'MD5',
  'evidence.report.sha1': 'SHA-1',
  'evidence.report.itemHeading': 'Evidencia {exhibit}',
  'evidence.report.acquiredBy': 'Adquirida por',
  'evidence.report.acquiredAt': 'Fecha de adquisición',
  'evidence.report.acquiredWhere': 'Lugar',
  'evidence.report.tool': 'Herramienta',
  'evidence.report.method': 'Método',
  'evidence.report.source': 'Origen (dispositivo o identificador)',
  'evidence.report.authority': 'Autoridad legal',
  'evidence.report.notRecorded': 'no consta',
  // Custody
  'evidence.report.custodySection': 'Cadena de custodia',
  'evidence.report.custodyIntro':
    'Eventos en el orden del registro («Entrada» es el número del evento en el registro de custodia). Cada uno tiene un archivo de comprobación (prueba de inclusión) dentro del paquete.',
  'evidence.report.index': 'Entrada',
  'evidence.report.when': 'Fecha',
  'evidence.report.event': 'Evento',
  'evidence.report.actor': 'Responsable',
  'evidence.report.reason': 'Motivo',
  'evidence.report.proofFile': 'Archivo de comprobación',
  'evidence.report.noEvents': 'El paquete no contiene eventos de custodia.',
  // Checks
  'evidence.report.checksSection': 'Comprobaciones realizadas',
  'evidence.report.check': 'Comprobación',
  'evidence.report.outcome': 'Resultado',
  'evidence.report.detail': 'Detalle',
  'evidence.report.passed': '✓ Correcta',
  'evidence.report.failed': '✗ Fallida',
  // How to verify
  'evidence.report.howSection': 'Cómo verificar este paquete usted mismo',
  'evidence.report.howIntro':
    'Estas comprobaciones no necesitan acceso al sistema que elaboró el paquete. Ejecute las órdenes en la carpeta del paquete (aquí, {dir}); sha256sum forma parte de GNU coreutils (Linux; en macOS, shasum -a 256).',
  'evidence.report.howManifest':
    'Integridad de los archivos: los manifiestos BagIt (RFC 8493) listan el SHA-256 de cada archivo. Cada línea debe terminar en «OK» (o «La suma coincide»); cualquier fallo significa que ese archivo cambió.',
  'evidence.report.howDecrypt':
    'Los archivos de datos están cifrados. Con la clave privada del destinatario (key.txt), descifre cada archivo .age y compruebe que su SHA-256 coincide con el de la evidencia en este informe:',
  'evidence.report.howHash': 'Compruebe que el SHA-256 de cada archivo de datos coincide con el de la evidencia en este informe:',
  'evidence.report.howTool':
    'Comprobación completa con Custodia (manifiestos, hashes, pruebas de custodia, punto de control y CASE/UCO), sin conexión y sin la base de datos del nodo:',
  'evidence.report.howToolIdentity': 'Si los archivos están cifrados, añada la clave del destinatario para comprobar también su contenido:',
  'evidence.report.howProof': 'Cada evento de custodia se puede comprobar por separado con la clave del verificador del nodo (guardada en {vkeyPath}):',
  'evidence.report.howDisclosure':
    'El registro publica solo un compromiso con sal de los detalles de cada evento. Los detalles y la sal que lo abren están en {dir}: añada su archivo y la orden recalcula el compromiso a partir de ellos y muestra los detalles probados:',
  'evidence.report.howKey':
    'Por último, confirme por un canal independiente (la publicación oficial del nodo o la lista de confianza) que la clave del verificador es la del nodo que custodia la evidencia:',
  'evidence.report.dir': '<carpeta-del-paquete>',
  // Event names
  'evidence.report.event.acquired': 'adquirido',
  'evidence.report.event.received': 'recibido',
  'evidence.report.event.accessed': 'consultado',
  'evidence.report.event.downloaded': 'descargado',
  'evidence.report.event.analysed': 'analizado',
  'evidence.report.event.copied': 'copiado',
  'evidence.report.event.transferred': 'transferido',
  'evidence.report.event.sealed': 'precintado',
  'evidence.report.event.released': 'liberado',
  'evidence.report.event.exported': 'exportado',
  'evidence.report.event.fixity_checked': 'verificación de integridad',
  'evidence.report.event.legal_hold_set': 'retención legal establecida',
  'evidence.report.event.legal_hold_lifted': 'retención legal levantada',
  'evidence.report.event.destroyed': 'destruido',
  // Check names
  'evidence.report.check.bag_valid': 'Estructura del paquete BagIt válida (RFC 8493)',
  'evidence.report.check.payload_hashes': 'Los hashes de los archivos de datos coinciden con los registrados',
  'evidence.report.check.custody_proofs': 'Pruebas de inclusión de los eventos de custodia verificadas contra el punto de control',
  'evidence.report.check.custody_disclosures':
    'Los detalles de los eventos de custodia abren los compromisos publicados en el registro (sal y detalles recalculados)',
  'evidence.report.check.checkpoint_signature': 'Firma del punto de control verificada con la clave del nodo',
  'evidence.report.check.case_uco': 'Historia de custodia CASE/UCO (JSON-LD) bien formada',
} as const;
