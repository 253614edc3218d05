"""Write ``peta_attributes.json`` (saip_mm.PETADataset) from the PETA release.

The release holds one folder per subset, ``<root>/<subset>/archive/``, with
the images and a ``Label.txt`` of one row per person id:
``<id> <attribute> <attribute> ...`` (only the attributes present). An
image belongs to the id its file name starts with (up to the first ``_`` or
``.``). The json gets the 105 usual attributes: PETA's 61 binary ones in the
order of its ReadMe, then footwear / hair / lowerBody / upperBody x 11
colours, as 0/1 per image, with image paths relative to ``<root>``.

Example:
    python tools/dataset_converters/peta_to_json.py data/peta
"""
import argparse
import json
import os
import os.path as osp
import re
from typing import Dict, List, Set

# PETA ReadMe ids 2..65 without the four it discards; the label files spell
# footwearSneakers (the ReadMe footwearSneaker)
BINARY_ATTRIBUTES = (
    'accessoryHeadphone', 'personalLess15', 'personalLess30',
    'personalLess45', 'personalLess60', 'personalLarger60',
    'carryingBabyBuggy', 'carryingBackpack', 'hairBald', 'footwearBoots',
    'lowerBodyCapri', 'carryingOther', 'carryingShoppingTro',
    'carryingUmbrella', 'lowerBodyCasual', 'upperBodyCasual',
    'personalFemale', 'carryingFolder', 'lowerBodyFormal', 'upperBodyFormal',
    'accessoryHairBand', 'accessoryHat', 'lowerBodyHotPants',
    'upperBodyJacket', 'lowerBodyJeans', 'accessoryKerchief',
    'footwearLeatherShoes', 'upperBodyLogo', 'hairLong', 'lowerBodyLongSkirt',
    'upperBodyLongSleeve', 'lowerBodyPlaid', 'lowerBodyThinStripes',
    'carryingLuggageCase', 'personalMale', 'carryingMessengerBag',
    'accessoryMuffler', 'accessoryNothing', 'carryingNothing',
    'upperBodyNoSleeve', 'upperBodyPlaid', 'carryingPlasticBags',
    'footwearSandals', 'footwearShoes', 'hairShort', 'lowerBodyShorts',
    'upperBodyShortSleeve', 'lowerBodyShortSkirt', 'footwearSneakers',
    'footwearStocking', 'upperBodyThinStripes', 'upperBodySuit',
    'carryingSuitcase', 'lowerBodySuits', 'accessorySunglasses',
    'upperBodySweater', 'upperBodyThickStripes', 'lowerBodyTrousers',
    'upperBodyTshirt', 'upperBodyOther', 'upperBodyVNeck')
COLOUR_PARTS = ('footwear', 'hair', 'lowerBody', 'upperBody')
COLOURS = ('Black', 'Blue', 'Brown', 'Green', 'Grey', 'Orange', 'Pink',
           'Purple', 'Red', 'White', 'Yellow')
ATTRIBUTES = BINARY_ATTRIBUTES + tuple(
    part + colour for part in COLOUR_PARTS for colour in COLOURS)
IMAGE_EXTENSIONS = ('.bmp', '.jpg', '.jpeg', '.png')
PERSON_ID = re.compile(r'[^_.]+')


def read_labels(label_file: str) -> Dict[str, Set[str]]:
    """Person id -> the attribute tokens of its ``Label.txt`` row."""
    rows = {}
    with open(label_file) as f:
        for line in f:
            fields = line.split()
            if fields:
                rows[fields[0]] = set(fields[1:])
    return rows


def convert_subset(root: str, subset: str) -> List[dict]:
    """Samples of one subset folder, sorted by file name."""
    archive = osp.join(root, subset, 'archive')
    rows = read_labels(osp.join(archive, 'Label.txt'))
    samples = []
    for name in sorted(os.listdir(archive)):
        if not name.lower().endswith(IMAGE_EXTENSIONS):
            continue
        pid = PERSON_ID.match(name).group()
        if pid not in rows:
            raise KeyError(f'{archive}/{name}: no row for id {pid} in '
                           'Label.txt')
        samples.append(dict(
            img_path=f'{subset}/archive/{name}',
            labels=[int(a in rows[pid]) for a in ATTRIBUTES],
            subset=subset, pid=pid))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Write peta_attributes.json from the PETA release')
    parser.add_argument('root', help='the "PETA dataset" folder (subsets)')
    parser.add_argument('--out', help='json to write '
                        '(default: <root>/peta_attributes.json)')
    args = parser.parse_args()
    subsets = sorted(d for d in os.listdir(args.root)
                     if osp.isfile(osp.join(args.root, d, 'archive',
                                            'Label.txt')))
    if not subsets:
        raise FileNotFoundError(f'no <subset>/archive/Label.txt in '
                                f'{args.root}')
    samples = [s for subset in subsets
               for s in convert_subset(args.root, subset)]
    out = args.out or osp.join(args.root, 'peta_attributes.json')
    with open(out, 'w') as f:
        json.dump(dict(attributes=list(ATTRIBUTES), samples=samples), f)
    print(f'{out}: {len(samples)} images from {len(subsets)} subsets, '
          f'{len(ATTRIBUTES)} attributes')


if __name__ == '__main__':
    main()
