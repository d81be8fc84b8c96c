import { CHANNEL_LABELS, type CampaignChannel } from '../schemas/campaign';

/**
 * The figures of the campaign and régua reports and how staff read them: one vocabulary for the
 * server that computes them, the pages that show them and the CSV. Browser-usable.
 */

export type RowKey = CampaignChannel | 'none' | 'total';

export type Figures = {
	sent: number;
	delivered: number;
	read: number;
	clicked: number;
	failed: number;
	skipped: number;
	fellBack: number;
	unknown: number;
	pending: number;
	reached: number;
	identified: number;
	offersViewed: number;
	agreements: number;
	agreedCents: number;
	paidCents: number;
	costMillicents: number;
	costCents: number;
	/** Reais spent per real recovered (cost ÷ amount paid); null when nothing was paid. */
	costPerReal: number | null;
};

export type ChannelFigures = Figures & { channel: RowKey; label: string };

export const ROW_LABELS: Record<RowKey, string> = { ...CHANNEL_LABELS, none: 'Sem mensagem enviada', total: 'Total' };

export type Metric = { key: Exclude<keyof Figures, 'costMillicents'>; label: string; unit: 'count' | 'cents' | 'ratio' };

/** Every figure, in the order of the tables and of the CSV. */
export const METRICS: readonly Metric[] = [
	{ key: 'sent', label: 'Enviadas', unit: 'count' },
	{ key: 'delivered', label: 'Entregues', unit: 'count' },
	{ key: 'read', label: 'Lidas', unit: 'count' },
	{ key: 'clicked', label: 'Clicaram no link', unit: 'count' },
	{ key: 'failed', label: 'Falharam', unit: 'count' },
	{ key: 'skipped', label: 'Retidas pelas regras', unit: 'count' },
	{ key: 'fellBack', label: 'Trocaram de canal', unit: 'count' },
	{ key: 'unknown', label: 'Sem confirmação', unit: 'count' },
	{ key: 'pending', label: 'Na fila', unit: 'count' },
	{ key: 'reached', label: 'Devedores alcançados', unit: 'count' },
	{ key: 'identified', label: 'Identificaram-se', unit: 'count' },
	{ key: 'offersViewed', label: 'Viram as ofertas', unit: 'count' },
	{ key: 'agreements', label: 'Acordos', unit: 'count' },
	{ key: 'agreedCents', label: 'Valor acordado', unit: 'cents' },
	{ key: 'paidCents', label: 'Valor pago', unit: 'cents' },
	{ key: 'costCents', label: 'Custo', unit: 'cents' },
	{ key: 'costPerReal', label: 'Custo por real recuperado', unit: 'ratio' }
];

/** The steps drawn as a funnel, per channel. */
export const FUNNEL: readonly Metric['key'][] = ['sent', 'delivered', 'read', 'clicked', 'identified', 'offersViewed', 'agreements'];

/** Reais of cost per real recovered, from thousandths of a cent and cents; null when nothing was paid. */
export function costPerReal(costMillicents: number, paidCents: number): number | null {
	return paidCents > 0 ? costMillicents / 1000 / paidCents : null;
}

/** "R$ 0,03 por real recuperado" ("R$ 0,03" short); "—" when nothing was paid. */
export function formatCostPerReal(ratio: number | null, short = false): string {
	if (ratio === null) return '—';
	const tail = short ? '' : ' por real recuperado';
	if (ratio > 0 && ratio < 0.005) return short ? '< R$ 0,01' : `menos de R$ 0,01${tail}`;
	return `R$ ${ratio.toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${tail}`;
}
