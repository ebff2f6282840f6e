import type { Handler } from './types.ts';

/**
 * OCPP 1.6 §4.3: "If the recipient has no implementation for the specific vendorId it SHALL
 * return a status 'UnknownVendorId'". The exchange itself still reaches platforms on the
 * events topic (request and answer), which is where vendor-specific data is consumed.
 */
export const dataTransfer: Handler<'DataTransfer'> = () => ({ status: 'UnknownVendorId' });
