import type { Config } from '../../common/config.ts';
import type { GatewayStore } from '../store-port.ts';
import type { ChargerSession } from '../session.ts';
import type { CertificateService } from '../certificates/service.ts';

/** What a handler of any OCPP version may use: its charger's session, the registry and the configuration. */
export interface HandlerContext {
  session: ChargerSession;
  store: GatewayStore;
  config: Config;
  /** The OCPP message id, for events that refer to the exchange. */
  messageId: string;
  /** Certificate management (gateway/certificates/: SignCertificate); absent where none is set up. */
  certificates?: CertificateService | undefined;
}
